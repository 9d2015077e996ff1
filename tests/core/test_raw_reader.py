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
