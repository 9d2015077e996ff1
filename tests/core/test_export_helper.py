"""Issue 16: a long cold export renders part of its pages in a helper process
(services/export_helper.py). The file is the same byte for byte, what the helper rendered is
kept only while nothing changed, and a helper that fails or dies costs nothing but time."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator

import pytest

from readinglist.records import FeedItem, PaperFilter, PaperMeta
from readinglist.services import exporting, ingest
from readinglist.services.export_helper import AHEAD, ExportHelper
from readinglist.services.library import Library

pytestmark = pytest.mark.sqlite_file

N = 90
NAMES = ("Jörg Müller", "Nguyễn Văn An", "Ada Lovelace", "de la Cruz, José", "李 小龍", "Zoë Ægir")


@pytest.fixture
def big(lib: Library, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    """A library of N papers, exported in pages of 6 (15 pages), helped from 3 pages on."""
    day = dt.date(2024, 5, 1)
    items = [
        FeedItem(
            PaperMeta(
                title=f"{('GPU', 'iPhone', '$O(n^2)$', 'Café')[i % 4]} study {i} & more {{x}}",
                authors=(NAMES[i % 6], NAMES[(i + 2) % 6]),
                arxiv_id=f"2405.{10000 + i}",
                published=day,
                primary_category="cs.LG",
            ),
            day,
            upvotes=i,
        )
        for i in range(N)
    ]
    with lib.change("fill", undoable=False) as tx:
        ingest.ingest_feed_items(tx, day, items, make_key=lib.make_citekey)
    monkeypatch.setattr(exporting, "PAGE", 6)
    monkeypatch.setattr(exporting, "HELPER_MIN_PAGES", 3)
    monkeypatch.setattr(exporting, "HELPER_MIN_S", 0.0)
    yield lib


def _ids(lib: Library) -> list[int]:
    return lib.paper_ids(PaperFilter(dismissed=None))


def _kept(lib: Library) -> dict[int, str]:
    con = sqlite3.connect(lib.db_path)
    try:
        return {int(p): str(t) for p, t in con.execute("SELECT paper_id, text FROM rendered_entries")}
    finally:
        con.close()


def _forget(lib: Library) -> None:
    con = sqlite3.connect(lib.db_path)
    con.execute("DELETE FROM rendered_entries")
    con.commit()
    con.close()


def _serial(lib: Library, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(exporting, "_start_helper", lambda *a: None)
        text = exporting.export_text(lib, _ids(lib))
    _forget(lib)
    return text


def _count_helped(monkeypatch: pytest.MonkeyPatch, after_first: object = None) -> list[int]:
    """Record the pages the helper handed over (and run ``after_first`` after the first)."""
    helped: list[int] = []
    real = ExportHelper.take

    def take(self: ExportHelper, n: int) -> object:
        got = real(self, n)
        if got is not None:
            helped.append(n)
            if len(helped) == 1 and callable(after_first):
                after_first(self)
        return got

    monkeypatch.setattr(ExportHelper, "take", take)
    return helped


def test_a_helped_export_is_the_same_file_and_keeps_every_entry(
    big: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _serial(big, monkeypatch)
    helped = _count_helped(monkeypatch)
    assert exporting.export_text(big, _ids(big)) == reference
    assert helped == [n for n in range(4, 15) if n % 5 in (0, 2, 3)]  # the helper's pages, in order
    kept = _kept(big)
    assert len(kept) == N
    fresh = exporting.render_entries(big, [(k, pid) for k, pid in exporting.citable(big, _ids(big))])
    assert kept == fresh  # what the helper rendered is what this process renders
    assert exporting.export_text(big, _ids(big)) == reference  # and, kept, serves the warm export


def test_a_helper_running_other_code_is_not_used(big: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _serial(big, monkeypatch)
    helped = _count_helped(monkeypatch)
    monkeypatch.setattr(exporting, "writer_version", lambda: "another-writer")  # the helper has the real one
    assert exporting.export_text(big, _ids(big)) == reference
    assert helped == []
    assert len(_kept(big)) == N  # rendered here, kept under the version of this process


def test_a_helper_killed_mid_export_leaves_the_export_whole(
    big: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _serial(big, monkeypatch)

    def kill(helper: ExportHelper) -> None:
        os.kill(helper._proc.pid, signal.SIGKILL)
        helper._proc.wait()

    theirs = [n for n in range(4, 15) if n % 5 in (0, 2, 3)]
    helped = _count_helped(monkeypatch, after_first=kill)
    assert exporting.export_text(big, _ids(big)) == reference
    # Only whole pages it had sent before dying, in order: how many depends on how far it got
    # (a busy machine may let it send all six into the pipe before the kill lands).
    assert helped[:1] == [5] and helped == theirs[: len(helped)]
    assert _kept(big) == exporting.render_entries(big, exporting.citable(big, _ids(big)))
    _forget(big)

    real_start = exporting._start_helper

    def killed_at_start(*args: object) -> ExportHelper | None:
        helper = real_start(*args)  # type: ignore[arg-type]
        assert helper is not None
        os.kill(helper._proc.pid, signal.SIGKILL)  # before it can send a page: all rendered here
        helper._proc.wait()
        return helper

    monkeypatch.setattr(exporting, "_start_helper", killed_at_start)
    helped.clear()
    assert exporting.export_text(big, _ids(big)) == reference
    assert helped == []
    assert _kept(big) == exporting.render_entries(big, exporting.citable(big, _ids(big)))


def test_what_the_helper_read_before_another_commit_is_not_kept(
    big: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serial(big, monkeypatch)
    monkeypatch.setattr(exporting, "KEEP_BATCH", 10)  # keeps after the commit, too

    def someone_commits(helper: ExportHelper) -> None:
        deadline = time.monotonic() + 30
        while helper._pages.qsize() < AHEAD and helper._reader.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)  # until the helper has read (and rendered) the pages it may send ahead
        assert helper._pages.qsize() >= 2
        other = sqlite3.connect(big.db_path)
        other.execute("UPDATE papers SET title = title || ' (changed meanwhile)'")
        other.commit()
        other.close()

    helped = _count_helped(monkeypatch, after_first=someone_commits)
    exporting.export_text(big, _ids(big))
    assert helped[:3] == [5, 7, 8]
    kept = _kept(big)
    assert kept, "the pages this process read after the commit are kept"
    now = exporting.render_entries(big, exporting.citable(big, list(kept)))
    assert kept == now  # every kept entry matches its paper as it is now
    assert all("changed meanwhile" in t for t in kept.values())


def test_a_stuck_helper_is_given_up(big: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from readinglist.services import export_helper

    reference = _serial(big, monkeypatch)
    monkeypatch.setattr(export_helper, "WAIT_S", 0.5)

    def stop(helper: ExportHelper) -> None:  # the helper stays alive but sends nothing more
        os.kill(helper._proc.pid, signal.SIGSTOP)

    helped = _count_helped(monkeypatch, after_first=stop)
    t = time.monotonic()
    assert exporting.export_text(big, _ids(big)) == reference
    assert helped[:1] == [5] and time.monotonic() - t < 20


def test_no_interpreter_to_start_means_no_helper(big: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _serial(big, monkeypatch)
    helped = _count_helped(monkeypatch)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")  # Popen fails: rendered here
    assert exporting.export_text(big, _ids(big)) == reference
    monkeypatch.setattr(sys, "executable", "")
    _forget(big)
    assert exporting.export_text(big, _ids(big)) == reference
    assert helped == []


def test_a_helper_starts_only_when_the_pages_left_would_take_long_here(
    big: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page's time judges the rest: pages of entries imported from a .bib take
    several times as long as a feed's, so fewer of them warrant a helper."""
    started: list[int] = []
    monkeypatch.setattr(exporting, "_start_helper", lambda lib, version, pages: started.append(len(pages)))
    monkeypatch.setattr(exporting, "HELPER_MIN_S", 3600.0)
    quick = exporting.export_text(big, _ids(big))
    assert started == []
    _forget(big)
    monkeypatch.setattr(exporting, "HELPER_MIN_S", 0.0)
    assert exporting.export_text(big, _ids(big)) == quick
    assert started == [len(_ids(big)) // exporting.PAGE + (len(_ids(big)) % exporting.PAGE > 0)]
