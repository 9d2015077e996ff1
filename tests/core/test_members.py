"""A lab library on PostgreSQL: each member's own triage (saved, dismissed, starred, status,
rating), saved searches and undo history over the shared papers, tags and notes; and an
upgrade from before 0014 that keeps everybody's view."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from readinglist.records import PaperFilter, PaperMeta
from readinglist.services import alerts, history, papers
from readinglist.services.library import Library
from tests.backends import fresh_database
from tests.conftest import FixtureServer

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from readinglist.cli.main import main; sys.exit(main())"]


def meta(n: int, **kw: object) -> PaperMeta:
    base: dict[str, object] = {
        "arxiv_id": f"2402.{n:05d}",
        "title": f"Shared paper {n}",
        "authors": ("Ann Author",),
        "published": dt.date(2024, 2, 1),
    }
    base.update(kw)
    return PaperMeta(**base)  # type: ignore[arg-type]


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_database()


@pytest.fixture
def lab(tmp_path: Path, pg_url: str) -> Iterator[tuple[Library, Library]]:
    """Ann's and Bea's sessions on one library (each their own folder, as on two machines)."""
    ann = Library.open(tmp_path / "ann", database_url=pg_url)
    ann.member = "ann"
    bea = Library.open(tmp_path / "bea", database_url=pg_url)
    bea.member = "bea"
    try:
        yield ann, bea
    finally:
        ann.close()
        bea.close()


def test_each_member_keeps_their_own_triage_of_the_shared_papers(lab: tuple[Library, Library]) -> None:
    ann, bea = lab
    ids, _ = papers.upsert(ann, [meta(n) for n in range(1, 5)])
    a, b, c, d = ids
    papers.save(ann, [a, b])
    papers.dismiss(ann, [c])
    papers.star(ann, [a])
    papers.set_status(ann, [b], "read")
    papers.set_rating(ann, [a], 4)
    papers.save(bea, [c])
    papers.set_status(bea, [d], "reading")

    ra, rb, rc, rd = (ann.get(i) for i in ids)
    assert (ra.saved, ra.starred, ra.rating, rb.saved, rb.status, rc.dismissed, rd.status) == (
        True, True, 4, True, "read", True, "unread",
    )  # fmt: skip
    ba, bb, bc, bd = (bea.get(i) for i in ids)
    assert (ba.saved, ba.starred, ba.rating, bb.saved, bb.status) == (False, False, 0, False, "unread")
    assert (bc.saved, bc.dismissed, bd.status) == (True, False, "reading")

    # The views every list is made of: Ann's library and inbox are not Bea's.
    assert set(ann.paper_ids(PaperFilter(saved=True))) == {a, b}
    assert set(bea.paper_ids(PaperFilter(saved=True))) == {c, d}  # marking it reading kept it
    assert set(ann.paper_ids(PaperFilter())) == {a, b, d}  # c dismissed by Ann only
    assert set(bea.paper_ids(PaperFilter())) == {a, b, c, d}
    assert set(ann.paper_ids(PaperFilter(starred=True))) == {a}
    assert bea.paper_ids(PaperFilter(starred=True)) == []
    assert {h.paper_id for h in ann.search("is:starred")} == {a} and bea.search("is:starred") == []


def test_shared_data_is_the_same_for_everyone_and_triage_writes_do_not_touch_it(
    lab: tuple[Library, Library],
) -> None:
    ann, bea = lab
    (pid,), _ = papers.upsert(ann, [meta(1)])
    papers.tag(ann, [pid], ["vision"])  # tagging keeps the paper: saved for Ann, not for Bea
    assert bea.get(pid).tags == ("vision",) and ann.get(pid).saved and not bea.get(pid).saved
    papers.set_note(bea, pid, "Bea's reading notes")  # and Bea's note keeps it for her
    for member in (ann, bea):
        row = member.get(pid)
        assert row.tags == ("vision",) and row.note == "Bea's reading notes" and row.title == "Shared paper 1"
        assert row.saved

    with create_engine(str(ann.database_url), poolclass=NullPool).connect() as con:
        modified = con.execute(
            text("SELECT modified_at FROM papers_shared WHERE id = :i"), {"i": pid}
        ).scalar()
        before = con.execute(text("SELECT count(*) FROM member_papers")).scalar()
    papers.dismiss(bea, [pid])
    with create_engine(str(ann.database_url), poolclass=NullPool).connect() as con:
        rows = con.execute(text("SELECT member, dismissed FROM member_papers ORDER BY member")).all()
        after_modified = con.execute(
            text("SELECT modified_at FROM papers_shared WHERE id = :i"), {"i": pid}
        ).scalar()
    assert before == 2 and [tuple(r) for r in rows] == [("ann", False), ("bea", True)]
    assert after_modified == modified  # a member's triage leaves the shared row alone
    assert not ann.get(pid).dismissed and bea.get(pid).dismissed


def test_undo_is_each_members_own_and_restores_only_their_triage(lab: tuple[Library, Library]) -> None:
    ann, bea = lab
    (pid,), _ = papers.upsert(ann, [meta(1)])
    papers.save(ann, [pid])
    papers.save(bea, [pid])
    papers.star(bea, [pid])
    history.undo(ann)  # Ann's "Save"
    assert not ann.get(pid).saved
    assert bea.get(pid).saved and bea.get(pid).starred
    history.undo(bea)  # Bea's "Star"
    assert bea.get(pid).saved and not bea.get(pid).starred
    history.redo(ann)
    assert ann.get(pid).saved


def test_deleting_a_paper_and_undoing_it_brings_back_the_members_triage(lab: tuple[Library, Library]) -> None:
    ann, _bea = lab
    (pid,), _ = papers.upsert(ann, [meta(1)])
    papers.star(ann, [pid])
    papers.set_status(ann, [pid], "read")
    papers.delete_papers(ann, [pid])
    assert ann.get_many([pid]) == []
    history.undo(ann)
    row = ann.get(pid)
    assert (row.starred, row.status, row.title) == (True, "read", "Shared paper 1")


def test_saved_searches_and_alerts_are_each_members_own(lab: tuple[Library, Library]) -> None:
    ann, bea = lab
    alerts.save_search(ann, "vision", "vision", alert=True)
    alerts.save_search(bea, "vision", "vision transformers")  # the same name is Bea's own
    alerts.save_search(bea, "agents", "agents")
    assert [(s.name, s.query, s.is_alert) for s in ann.saved_searches()] == [("vision", "vision", True)]
    assert sorted((s.name, s.query) for s in bea.saved_searches()) == [
        ("agents", "agents"), ("vision", "vision transformers"),
    ]  # fmt: skip
    alerts.delete_search(bea, "vision")
    assert [s.name for s in ann.saved_searches()] == ["vision"]


def test_a_sync_by_one_member_runs_every_members_alerts_as_that_member(lab: tuple[Library, Library]) -> None:
    ann, bea = lab
    alerts.save_search(bea, "vision", "vision", alert=True)
    alerts.save_search(ann, "agents", "agents", alert=True)
    ids, _ = papers.upsert(ann, [meta(1, title="Vision agents"), meta(2, title="Vision only")])
    papers.dismiss(bea, [ids[1]])  # Bea's dismissal keeps it out of Bea's alert, not Ann's view
    found = alerts.match_alerts(ann, ids, dt.date(2024, 2, 1))
    assert found == {"agents": [ids[0]]}  # what the syncing member is told: their own alerts
    assert [(s.name, s.unseen) for s in bea.saved_searches()] == [("vision", 1)]
    assert [(s.name, s.unseen) for s in ann.saved_searches()] == [("agents", 1)]
    assert ann.member == "ann" and not ann.get(ids[1]).dismissed  # the session is Ann's again


def test_the_cli_shows_the_member_named_by_readinglist_user(tmp_path: Path, pg_url: str) -> None:
    env = dict(os.environ, READINGLIST_DATABASE_URL=pg_url)

    def cli(user: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, "--library", str(tmp_path / user), *args], cwd=ROOT, capture_output=True, text=True,
            env=dict(env, READINGLIST_USER=user), timeout=120,
        )  # fmt: skip

    bib = tmp_path / "one.bib"
    bib.write_text("@article{one, title = {Shared paper 1}, author = {Author, Ann}, year = 2024}\n")
    assert (done := cli("ann", "import", str(bib))).returncode == 0, done.stderr
    (row,) = json.loads(cli("bea", "list", "--format", "json").stdout)
    pid, key = row["id"], row["citekey"]
    assert (done := cli("bea", "status", key, "read")).returncode == 0, done.stderr
    assert (done := cli("bea", "save", key, "--undo")).returncode == 0, done.stderr
    ann_rows = json.loads(cli("ann", "list", "--saved", "--format", "json").stdout)
    bea_rows = json.loads(cli("bea", "list", "--format", "json").stdout)
    assert [(r["id"], r["status"]) for r in ann_rows] == [(pid, "unread")]  # an import saves
    assert [(r["id"], r["saved"], r["status"]) for r in bea_rows] == [(pid, False, "read")]


# -- upgrading a lab library from before 0014 ------------------------------------------------


def test_the_upgrade_gives_the_shared_triage_to_every_member_the_library_knows(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command

    from readinglist.db import engine as dbengine
    from readinglist.db import pg

    engine = pg.make_engine(pg_url, lambda: "ann")
    command.upgrade(dbengine._alembic_config(engine), "0013_authors")
    with engine.begin() as con:
        con.execute(
            text(
                "INSERT INTO papers (id, arxiv_id, title, title_norm, authors, abstract, categories, "
                "ai_keywords, upvotes, num_comments, saved, dismissed, starred, status, rating, note, "
                "note_version, note_author, needs_review, added_at, modified_at) VALUES "
                "(1, '2402.00001', 'Kept', 'kept', '[]', '', '', '[]', 0, 0, true, false, true, 'read', 3, "
                "'', 0, '', false, now(), now()), "
                "(2, '2402.00002', 'Dismissed', 'dismissed', '[]', '', '', '[]', 0, 0, false, true, false, "
                "'unread', 0, 'by cem', 1, 'cem', false, now(), now()), "
                "(3, '2402.00003', 'Untouched', 'untouched', '[]', '', '', '[]', 0, 0, false, false, false, "
                "'unread', 0, '', 0, '', false, now(), now())"
            )
        )
        con.execute(
            text(
                "INSERT INTO undo_steps (member, label, state, papers, payload, created_at, updated_at) "
                "VALUES ('bea', 'Save', 'done', '[1]', '\\x00', now(), now())"
            )
        )
        con.execute(text("INSERT INTO saved_searches (name, query, is_alert, position, created_at) "
                         "VALUES ('kept', 'kept', true, 0, now())"))  # fmt: skip
        con.execute(text("INSERT INTO alert_matches (search_id, paper_id, seen, matched_at) "
                         "SELECT id, 1, false, now() FROM saved_searches"))  # fmt: skip
    engine.dispose()

    monkeypatch.setenv("READINGLIST_PG_NO_BACKUP", "1")
    libs = {}
    for who in ("ann", "bea", "cem", "dan"):  # Ann opens first: her session upgrades
        monkeypatch.setenv("READINGLIST_USER", who)
        libs[who] = Library.open(tmp_path / who, database_url=pg_url)
        libs[who].get_many([1])
    try:
        for who in ("ann", "bea", "cem"):  # who runs it, who has history, who wrote a note
            rows = {r.id: r for r in libs[who].get_many([1, 2, 3])}
            assert (rows[1].saved, rows[1].starred, rows[1].status, rows[1].rating) == (True, True, "read", 3)
            assert rows[2].dismissed and not rows[3].saved and rows[3].status == "unread"
            assert [(s.name, s.is_alert, s.unseen) for s in libs[who].saved_searches()] == [("kept", True, 1)]
        dan = {r.id: r for r in libs["dan"].get_many([1, 2, 3])}  # new to the lab: the defaults
        assert not dan[1].saved and not dan[2].dismissed and dan[1].title == "Kept"
        assert libs["dan"].saved_searches() == []
    finally:
        for library in libs.values():
            library.close()


def test_members_syncing_the_same_day_at_once_into_a_new_library_write_each_paper_once(
    tmp_path: Path, pg_url: str, fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture_server.env(monkeypatch)
    env = dict(os.environ, READINGLIST_DATABASE_URL=pg_url)
    runs = [
        subprocess.Popen(
            [*CLI, "--library", str(tmp_path / who), "sync", "--date", "2024-05-31"],
            cwd=ROOT,
            env=dict(env, READINGLIST_USER=who),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("ann", "bea", "cem")
    ]
    for run in runs:
        _out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err
    with create_engine(pg_url, poolclass=NullPool).connect() as con:
        papers_n, ids_n = con.execute(
            text("SELECT count(*), count(DISTINCT arxiv_id) FROM papers_shared")
        ).one()
        seen = con.execute(
            text("SELECT count(*), count(DISTINCT (paper_id, feed_date)) FROM feed_appearances")
        ).one()
        synced = con.execute(text("SELECT count(*) FROM synced_days")).scalar()
    assert papers_n == ids_n == 6  # the day lists six papers
    assert seen[0] == seen[1] == 6 and synced == 1
