"""The stdlib read path: closing a library while another thread is mid-read is safe."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from readinglist.config import Endpoints
from readinglist.db.raw import text
from readinglist.errors import StorageError
from readinglist.records import PaperMeta
from readinglist.services import papers
from readinglist.services.library import Library


def test_closing_while_a_worker_reads_waits_for_its_read(library_dir: Path) -> None:
    lib = Library.open(library_dir, Endpoints(arxiv_delay=0))
    papers.upsert(
        lib, [PaperMeta(title=f"Paper {i}", arxiv_id=f"2401.{i:05d}") for i in range(20)], save=True
    )
    inside = threading.Event()
    closed = threading.Event()
    seen: list[object] = []

    def worker() -> None:
        try:
            with lib.sql_read() as s:
                inside.set()
                assert closed.wait(5)
                # The library was closed under us: this read still finishes on its snapshot.
                seen.append(s.execute(text("SELECT count(*) FROM papers")).scalar())
        except BaseException as exc:  # reported to the test, not lost in the thread
            seen.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    lib.close()  # from the main thread, as the app does when it switches or quits
    closed.set()
    t.join(5)
    assert seen == [20]
    with pytest.raises(StorageError, match="closed"):
        lib.get_many([1])


def test_reads_work_while_another_thread_is_still_importing_sqlalchemy(
    library_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker importing SQLAlchemy puts the module in ``sys.modules`` before its names are
    bound; a read on another thread meanwhile (the window's sidebar while sync starts) took it
    for loaded and failed on ``sqlalchemy.text``. The module as the import leaves it then:"""
    import sys
    import types

    lib = Library.open(library_dir, Endpoints(arxiv_delay=0))
    try:
        papers.upsert(
            lib, [PaperMeta(title=f"Paper {i}", arxiv_id=f"2401.{i:05d}") for i in range(3)], save=True
        )
        monkeypatch.setitem(sys.modules, "sqlalchemy", types.ModuleType("sqlalchemy"))  # no names yet
        assert text("SELECT 1") == "SELECT 1"
        assert lib.counts()["all"] == 3
        assert lib.counts()["library"] == 3
        monkeypatch.undo()
        assert not isinstance(text("SELECT 1"), str)  # loaded: a text() clause for sessions
    finally:
        lib.close()
