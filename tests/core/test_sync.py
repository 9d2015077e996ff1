"""Daily Papers sync against a local server: idempotent, user data untouched, honest reports."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from readinglist.records import PaperFilter, Progress
from readinglist.services import library_settings, sync
from readinglist.services import papers as papers_ops
from readinglist.services.check import run_check
from readinglist.services.library import Library
from tests.conftest import FixtureServer

D30, D31 = dt.date(2024, 5, 30), dt.date(2024, 5, 31)


def snapshot(lib: Library) -> list[tuple[object, ...]]:
    con = sqlite3.connect(lib.db_path)
    try:
        papers = con.execute(
            "SELECT arxiv_id, title, authors, abstract, upvotes, saved, status, note, citekey, starred "
            "FROM papers ORDER BY arxiv_id"
        ).fetchall()
        feed = con.execute(
            "SELECT paper_id, feed_date, upvotes, num_comments FROM feed_appearances ORDER BY 1, 2"
        ).fetchall()
        tags = con.execute("SELECT paper_id, tag_id FROM paper_tags ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    return papers + feed + tags


def test_sync_two_days_then_resync_changes_nothing(
    served_lib: Library, fixture_server: FixtureServer
) -> None:
    lib = served_lib
    report = sync.sync_days(lib, [D30, D31])
    assert report.ok
    assert [(d.date, d.new) for d in report.days] == [(D30, 4), (D31, 5)]  # 2405.19107 is on both days
    assert report.days[1].updated == 1
    assert lib.count(PaperFilter()) == 9
    pid = lib.resolve("2405.20204")
    papers_ops.save(lib, [pid])
    papers_ops.tag(lib, [pid], ["retrieval", "clip"])
    papers_ops.set_status(lib, [pid], "reading")
    papers_ops.append_note(lib, pid, "Compare with SigLIP.")
    before = snapshot(lib)
    again = sync.sync_days(lib, [D30, D31])
    assert again.ok and again.new == 0 and again.updated == 0
    assert snapshot(lib) == before
    row = lib.get(pid)
    assert row.saved and row.tags == ("clip", "retrieval") and row.status == "reading"
    assert row.note.startswith("Compare with SigLIP.")


def test_paper_on_two_days_keeps_both_appearances(served_lib: Library) -> None:
    sync.sync_days(served_lib, [D30, D31])
    row = served_lib.get(served_lib.resolve("2405.19107"))
    assert row.feed_dates == (D30, D31)
    assert row.upvotes == 17  # the highest count seen


def test_list_of_a_day_is_ordered_by_that_days_upvotes(served_lib: Library) -> None:
    sync.sync_days(served_lib, [D31])
    rows = served_lib.list_papers(PaperFilter(feed_date=D31))
    assert [r.arxiv_id for r in rows] == [
        "2405.20204",
        "2405.19107",
        "2405.20341",
        "2405.19988",
        "2405.20077",
        "2405.18702",
    ]


def test_upvote_updates_are_applied_and_user_data_kept(
    served_lib: Library, fixture_server: FixtureServer
) -> None:
    lib = served_lib
    sync.sync_days(lib, [D31])
    pid = lib.resolve("2405.20204")
    papers_ops.save(lib, [pid])
    papers_ops.append_note(lib, pid, "mine")
    day = json.loads(fixture_server.days["2024-05-31"])
    day[0]["paper"]["upvotes"] = 99
    day[0]["numComments"] = 12
    day[0]["paper"]["title"] = "A corrected title"
    fixture_server.days["2024-05-31"] = json.dumps(day).encode()
    report = sync.sync_days(lib, [D31])
    assert report.days[0].updated == 1 and report.days[0].new == 0
    row = lib.get(pid)
    assert (row.upvotes, row.num_comments, row.title) == (99, 12, "A corrected title")
    assert row.saved and row.note == "mine\n"
    assert row.citekey == lib.get(pid).citekey


def test_empty_day_is_normal(served_lib: Library) -> None:
    report = sync.sync_days(served_lib, [dt.date(2025, 1, 18)])
    assert report.ok and report.days[0].new == 0 and report.days[0].error is None


def test_malformed_item_is_skipped_with_a_reason(served_lib: Library, fixture_server: FixtureServer) -> None:
    day = json.loads(fixture_server.days["2024-05-31"])
    day[1]["paper"]["upvotes"] = "many"
    del day[2]["paper"]["title"]
    fixture_server.days["2024-05-31"] = json.dumps(day).encode()
    report = sync.sync_days(served_lib, [D31])
    assert report.ok
    assert report.days[0].new == 4 and len(report.days[0].skipped) == 2
    assert any("upvotes" in s for s in report.days[0].skipped)


def test_malformed_day_is_reported_and_other_days_still_sync(
    served_lib: Library, fixture_server: FixtureServer
) -> None:
    fixture_server.days["2024-05-30"] = b'{"error": "not a list"}'
    report = sync.sync_days(served_lib, [D30, D31])
    assert not report.ok
    assert report.days[0].error and report.days[1].error is None and report.days[1].new == 6
    assert run_check(served_lib).ok


def test_server_error_stops_cleanly_and_writes_nothing(
    served_lib: Library, fixture_server: FixtureServer
) -> None:
    served_lib.http.policy.backoff = 0.01
    fixture_server.fail_with = 503
    report = sync.sync_days(served_lib, [D30, D31])
    assert not report.ok and "503" in (report.days[0].error or "")
    assert served_lib.count(PaperFilter()) == 0
    assert served_lib.setting("last_sync") is None
    assert run_check(served_lib).ok


def test_offline_is_a_clear_error(lib: Library) -> None:
    lib.http.policy.retries = 0
    seen: list[Progress] = []
    report = sync.sync_days(lib, [D30, D31], progress=seen.append)
    assert not report.ok and "could not be reached" in (report.days[0].error or "")
    assert "not tried" in (report.days[1].error or "")
    # the bar ends where the sync stopped, not full
    assert (seen[-1].done, seen[-1].total, seen[-1].message) == (0, 2, "Sync stopped")


def test_days_to_sync_defaults(served_lib: Library) -> None:
    today = dt.date(2024, 6, 3)
    assert sync.days_to_sync(served_lib, date=D31) == [D31]
    assert sync.days_to_sync(served_lib, days=3, today=today) == [
        dt.date(2024, 6, 1),
        dt.date(2024, 6, 2),
        today,
    ]
    assert len(sync.days_to_sync(served_lib, today=today)) == 7  # a new library back-fills a week
    library_settings.set_setting(served_lib, "last_sync", "2024-06-01")
    assert sync.days_to_sync(served_lib, today=today) == [dt.date(2024, 6, 1), dt.date(2024, 6, 2), today]
    library_settings.set_setting(served_lib, "last_sync", "2024-01-01")
    assert len(sync.days_to_sync(served_lib, today=today)) == 7  # at most a week back
    with pytest.raises(ValueError):
        sync.days_to_sync(served_lib, days=0)


def test_sync_records_last_successful_day(served_lib: Library) -> None:
    sync.sync_days(served_lib, [D30, D31])
    assert served_lib.setting("last_sync") == "2024-05-31"


def test_each_synced_day_is_recorded_once_with_its_count_and_time(served_lib: Library) -> None:
    def synced() -> list[tuple[str, str, int]]:
        con = sqlite3.connect(served_lib.db_path)
        try:
            return con.execute("SELECT feed_date, synced_at, papers FROM synced_days ORDER BY 1").fetchall()
        finally:
            con.close()

    sync.sync_days(served_lib, [D30, D31])
    first = synced()
    assert [(d, n) for d, _, n in first] == [("2024-05-30", 4), ("2024-05-31", 6)]
    sync.sync_days(served_lib, [D31])
    again = synced()
    assert again[0] == first[0]
    assert again[1][0] == "2024-05-31" and again[1][1] > first[1][1] and again[1][2] == 6


def test_unicode_and_hidden_authors_are_kept_in_order(served_lib: Library) -> None:
    sync.sync_days(served_lib, [dt.date(2024, 6, 27)])
    names = [a for r in served_lib.list_papers(PaperFilter()) for a in r.authors]
    assert any(not n.isascii() for n in names)


def test_search_finds_synced_papers(served_lib: Library) -> None:
    sync.sync_days(served_lib, [D31])
    hits = served_lib.search("contrastive retrieval")
    assert hits and hits[0].paper_id == served_lib.resolve("2405.20204")


def _first_day_waits_for_the_rest(monkeypatch: pytest.MonkeyPatch, days: list[dt.date]) -> None:
    """Make day 0's fetch finish after every other day's: they are all ready when it is."""
    import threading

    others = threading.Semaphore(0)
    fetch = sync._Prefetch._fetch

    def ordered(self: sync._Prefetch, day: dt.date) -> object:
        if day != days[0]:
            try:
                return fetch(self, day)
            finally:
                others.release()
        for _ in days[1:]:
            assert others.acquire(timeout=10)
        return fetch(self, day)

    monkeypatch.setattr(sync._Prefetch, "_fetch", ordered)


def test_days_fetched_together_are_written_in_one_transaction(
    served_lib: Library, fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [D30, D31, dt.date(2024, 6, 27), dt.date(2024, 6, 28)]
    _first_day_waits_for_the_rest(monkeypatch, days)
    groups: list[list[dt.date]] = []
    ingest_days = sync.ingest_days

    def spy(lib: Library, group: list[object]) -> object:
        groups.append([d.date for d in group])  # type: ignore[attr-defined]
        return ingest_days(lib, group)  # type: ignore[arg-type]

    monkeypatch.setattr(sync, "ingest_days", spy)
    seen: list[dt.date] = []
    report = sync.sync_days(served_lib, days, after_day=lambda feed, _changes: seen.append(feed.date))
    assert groups == [days]
    assert seen == days  # each day's hook, in order, after the commit
    assert report.ok and [d.date for d in report.days] == days
    assert [(d.new, d.updated) for d in report.days[:2]] == [(4, 0), (5, 1)]  # as written one by one
    assert report.days[3].new == 0  # a day the host has nothing for
    row = served_lib.get(served_lib.resolve("2405.19107"))  # on both days of the group
    assert row.feed_dates == (D30, D31) and row.upvotes == 17
    assert served_lib.setting("last_sync") == "2024-06-28"


def test_a_group_writes_the_same_library_as_one_day_at_a_time(
    fixture_server: FixtureServer, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    days = [D30, D31, dt.date(2024, 6, 27)]
    snapshots = []
    for name, group in (("grouped", True), ("one by one", False)):
        lib = Library.open(Path(str(tmp_path)) / name, fixture_server.endpoints())  # type: ignore[arg-type]
        try:
            if group:
                with monkeypatch.context() as m:
                    _first_day_waits_for_the_rest(m, days)
                    sync.sync_days(lib, days)
            else:
                for day in days:
                    sync.sync_days(lib, [day])
            con = sqlite3.connect(lib.db_path)
            counts = con.execute(
                "SELECT arxiv_id, upvotes, num_comments, last_feed_date, citekey FROM papers ORDER BY 1"
            ).fetchall()
            con.close()
            snapshots.append((snapshot(lib), counts))
        finally:
            lib.close()
    assert snapshots[0] == snapshots[1]
    assert run_check_ok(fixture_server, tmp_path)


def run_check_ok(fixture_server: FixtureServer, tmp_path: object) -> bool:
    from pathlib import Path

    lib = Library.open(Path(str(tmp_path)) / "grouped", fixture_server.endpoints())  # type: ignore[arg-type]
    try:
        return run_check(lib).ok
    finally:
        lib.close()


def test_a_malformed_day_inside_a_group_is_reported_in_its_place(
    served_lib: Library, fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [D30, D31, dt.date(2024, 6, 27)]
    fixture_server.days["2024-05-31"] = b'{"error": "not a list"}'
    _first_day_waits_for_the_rest(monkeypatch, days)
    report = sync.sync_days(served_lib, days)
    assert [d.date for d in report.days] == days
    assert report.days[0].new == 4 and report.days[1].error and report.days[2].error is None
    assert served_lib.setting("last_sync") == "2024-05-30"  # not past the failed day
    assert run_check(served_lib).ok


def test_a_new_paper_listed_twice_in_a_day_keeps_its_last_listing(blib: Library) -> None:
    """On either back end: the counts written with a new paper, the recount of known ones."""
    from readinglist.records import FeedDay, FeedItem, PaperMeta

    meta = PaperMeta(title="Twice in one feed", authors=("Zoë Ng",), arxiv_id="2601.00001")
    other = PaperMeta(title="Listed once in the feed", authors=("Ana Ruiz",), arxiv_id="2601.00002")
    first = FeedDay(D30, (FeedItem(meta, D30, 50, 3), FeedItem(other, D30, 7, 1), FeedItem(meta, D30, 20, 4)))
    second = FeedDay(D31, (FeedItem(other, D31, 9, 0),))
    [(report, changes), (report2, _)] = sync.ingest_days(blib, [first, second])
    twice, once = blib.resolve("2601.00001"), blib.resolve("2601.00002")
    assert report.new == 2 and changes.papers == {twice, once}
    assert (report2.new, report2.updated) == (0, 1)
    a, b = blib.get(twice), blib.get(once)
    # the day's row holds the last listing; a paper's counts are the highest of its rows
    assert (a.upvotes, a.num_comments, a.feed_dates) == (20, 4, (D30,))
    assert (b.upvotes, b.num_comments, b.feed_dates) == (9, 1, (D30, D31))
    assert a.citekey and b.citekey and a.citekey.casefold() != b.citekey.casefold()
    assert run_check(blib).ok
