"""Auto-tagging (issue 13): synced papers get the tags For you is sure of, marked auto, in one
undo step; the setting off does nothing; a dry run changes nothing; the migration goes both ways."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from readinglist.db import engine as dbengine
from readinglist.recommend import corpus
from readinglist.services import autotag, history, library_settings, papers, sync
from readinglist.services.library import Library
from tests import recommend_fixture as fx

EARLY = [dt.date(2024, 5, 30), dt.date(2024, 5, 31), dt.date(2024, 6, 27)]
LATER = [dt.date(2025, 1, 18), dt.date(2025, 10, 8), dt.date(2026, 8, 19)]
CUTOFF = 0.415  # the fixture's library is small: its tag models are sure of little


def tag_rows(lib: Library) -> list[tuple[str, str, int]]:
    con = sqlite3.connect(lib.db_path)
    try:
        return con.execute(
            "SELECT p.arxiv_id, t.name, pt.auto FROM paper_tags pt JOIN papers p ON p.id = pt.paper_id "
            "JOIN tags t ON t.id = pt.tag_id ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()


def judged_early(lib: Library) -> None:
    """Sync the 2024 days and judge their papers as the fixture's user does."""
    assert sync.sync_days(lib, EARLY).ok
    fx.judge(lib, later=False)


def test_a_sync_auto_tags_new_papers_in_one_undo_step(served_lib: Library) -> None:
    lib = served_lib
    judged_early(lib)
    library_settings.set_setting(lib, "autotag_threshold", CUTOFF)
    mine = tag_rows(lib)
    assert mine and all(auto == 0 for *_, auto in mine)

    report = sync.sync_days(lib, LATER)
    assert report.ok and report.auto_tagged > 0
    auto = [r for r in tag_rows(lib) if r[2]]
    assert len({a for a, _, _ in auto}) == report.auto_tagged
    assert all(a[:2] >= "25" for a, _, _ in auto)  # only the papers the sync brought
    got = {(a, t) for a, t, _ in auto}
    assert ("2608.16230", "vision") in got and ("2608.17019", "vision") in got
    assert len(got) < 9  # of 9 new papers times 3 tags: only the confident ones
    row = lib.get(lib.resolve("2608.16230"))
    assert "vision" in row.tags and "vision" in row.auto_tags
    assert row.saved is False  # a guess does not keep the paper
    assert row.to_json()["auto_tags"] == list(row.auto_tags)
    # the model does not learn from its own guesses
    doc = next(d for d in corpus.load_docs(lib) if d.id == row.id)
    assert doc.tags == ()

    steps = history.history(lib)
    assert steps[0].label == f"Auto-tag {report.auto_tagged} papers"
    history.undo(lib)
    assert tag_rows(lib) == mine  # the whole run, and only it, in one step


def test_with_the_setting_off_a_sync_tags_nothing(served_lib: Library) -> None:
    lib = served_lib
    judged_early(lib)
    assert lib.setting("autotag_threshold") is None
    mine = tag_rows(lib)
    report = sync.sync_days(lib, LATER)
    assert report.ok and report.new > 0 and report.auto_tagged == 0
    assert tag_rows(lib) == mine


def test_the_threshold_is_checked(served_lib: Library) -> None:
    from readinglist.errors import ReadingListError

    with pytest.raises(ReadingListError, match="between 0 and 1"):
        library_settings.set_setting(served_lib, "autotag_threshold", 1.5)
    library_settings.set_setting(served_lib, "autotag_threshold", "0.4")
    assert served_lib.setting("autotag_threshold") == 0.4
    library_settings.set_setting(served_lib, "autotag_threshold", None)
    assert autotag.threshold(served_lib) is None


def test_tagging_by_hand_or_confirming_makes_an_auto_tag_the_users(served_lib: Library) -> None:
    lib = served_lib
    judged_early(lib)
    library_settings.set_setting(lib, "autotag_threshold", CUTOFF)
    sync.sync_days(lib, LATER)
    auto = [(a, t) for a, t, x in tag_rows(lib) if x]
    (a1, t1), (a2, t2) = auto[0], next(x for x in auto if x[0] != auto[0][0])
    papers.tag(lib, [lib.resolve(a1)], [t1])
    autotag.confirm(lib, lib.resolve(a2), [t2])
    now = {(a, t): x for a, t, x in tag_rows(lib)}
    assert now[(a1, t1)] == 0 and now[(a2, t2)] == 0
    assert lib.get(lib.resolve(a2)).auto_tags == ()
    history.undo(lib)  # the confirmation is its own step
    assert lib.get(lib.resolve(a2)).auto_tags == (t2,)


def test_cli_auto_tag_dry_run_changes_nothing_then_applies(cli, served_lib: Library) -> None:  # type: ignore[no-untyped-def]
    lib = served_lib
    judged_early(lib)
    assert sync.sync_days(lib, LATER).ok  # setting off: nothing tagged
    before = tag_rows(lib)
    code, _, err = cli("auto-tag")
    assert code == 1 and "--threshold" in err
    code, out, err = cli("auto-tag", "--threshold", str(CUTOFF), "--dry-run", "--format", "json")
    assert code == 0, err
    planned = json.loads(out)
    assert planned and "would tag" in err
    assert tag_rows(lib) == before
    code, out, err = cli("auto-tag", "--threshold", str(CUTOFF))
    assert code == 0 and "undo" in err
    auto = {(a, t) for a, t, x in tag_rows(lib) if x}
    assert len({a for a, _ in auto}) == len(planned)
    code, out, _ = cli("show", "2608.16230")
    assert code == 0 and "vision (auto)" in out
    code, out, _ = cli("undo")
    assert code == 0 and tag_rows(lib) == before
    code, _, err = cli("auto-tag", "--set-threshold", "0.5")
    assert code == 0 and lib.setting("autotag_threshold") == 0.5
    code, _, err = cli("auto-tag", "--set-threshold", "off")
    assert lib.setting("autotag_threshold") is None


def _counts(db: Path) -> tuple[int, ...]:
    con = sqlite3.connect(db)
    try:
        return tuple(
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("papers", "paper_tags", "feed_appearances", "tags")
        )
    finally:
        con.close()


@pytest.mark.sqlite_file
def test_migration_0011_up_and_down_on_a_real_file_keeps_every_row(lib: Library) -> None:
    if tuple(int(x) for x in sqlite3.sqlite_version.split(".")) < (3, 35):
        pytest.skip("DROP COLUMN needs SQLite 3.35")
    from alembic import command

    fx.build(lib, later=False)
    before = _counts(lib.db_path)
    assert before[1] > 0
    cfg = dbengine._alembic_config(lib._engine)
    command.downgrade(cfg, "0010_speed")
    con = sqlite3.connect(lib.db_path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(paper_tags)")]
    con.close()
    assert "auto" not in cols and _counts(lib.db_path) == before  # no cascade took child rows
    assert dbengine.current_revision(lib.db_path) == "0010_speed"
    command.upgrade(cfg, "head")
    assert dbengine.current_revision(lib.db_path) == dbengine.HEAD_REVISION
    assert _counts(lib.db_path) == before
    assert all(auto == 0 for *_, auto in tag_rows(lib))


@pytest.mark.backends
def test_auto_tag_undo_and_confirm_on_each_back_end(blib: Library) -> None:
    """The SQL of auto-tagging (booleans, the auto column) runs on SQLite and PostgreSQL. The
    proposals are made by hand, so this tests the writes alone (test_recommend covers the
    model's reads on both engines)."""
    lib = blib
    fx.ingest_days(lib)
    ids = autotag.untagged_feed_ids(lib)
    a, b = lib.resolve("2608.16230"), lib.resolve("2405.19107")
    papers.tag(lib, [b], ["vision"])
    assert a in ids and b in ids
    assert b not in autotag.untagged_feed_ids(lib)  # it has a tag now
    changes = autotag.apply(lib, [autotag.Proposal(a, (("vision", 0.9), ("new topic", 0.8)))])
    assert a in changes.papers
    assert lib.get(a).auto_tags == ("new topic", "vision") and lib.get(a).saved is False
    assert lib.get(b).auto_tags == ()
    assert history.history(lib)[0].label == "Auto-tag 1 paper"
    autotag.confirm(lib, a, ["vision"])
    assert lib.get(a).auto_tags == ("new topic",)
    papers.tag(lib, [a], ["new topic"])
    assert lib.get(a).auto_tags == ()
    for _ in range(3):
        history.undo(lib)
    assert lib.get(a).tags == () and "new topic" not in {t.name for t in lib.tags()}


def test_cli_sync_auto_tags_once_the_threshold_is_stored(cli, served_lib: Library) -> None:  # type: ignore[no-untyped-def]
    lib = served_lib
    judged_early(lib)
    code, _, err = cli("auto-tag", "--set-threshold", str(CUTOFF))
    assert code == 0 and "after sync at 0.41" in err
    code, _, err = cli("sync", "--date", "2026-08-19")
    assert code == 0, err
    assert "auto-tagged" in err and "readinglist undo" in err
    assert ("2608.16230", "vision", 1) in tag_rows(lib)
    code, out, _ = cli("show", "2608.16230", "--format", "json")
    assert "vision" in json.loads(out)["auto_tags"]
