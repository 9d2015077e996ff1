"""A second process that renders part of a cold BibTeX export (issue 16).

A cold export renders every entry, and rendering is most of it: 1.4 s of 1.9 s for 100k
papers, on one core. When the first page of a long export had to be rendered,
:func:`readinglist.services.exporting.export_chunks` starts this helper and gives it three
pages of every five from the fifth on; both processes render at once and the exporting one
writes the pages in order, so the file is the same byte for byte.

The helper is a fresh interpreter running this module, not a fork: a forked process must not
touch the SQLite connections it inherited, and the GUI has threads. It reads the library on its
own connection (a read-only snapshot per page, as the exporting process reads) and never
writes; what it rendered is kept by the exporting process, and only if nothing was committed
during the export. If it cannot start, runs other code (another writer version), fails or
dies, the exporting process renders its pages itself: the helper only ever saves time.

Protocol: the page list comes on stdin as JSON ``[[[key, id], ...], ...]``; for each page the
helper writes ``<I count`` then, per entry in page order, ``<qBI id, rendered, length`` and the
entry's UTF-8 (``rendered``: 1 when it was rendered, 0 when it came kept).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from readinglist.services import helperproc

log = logging.getLogger(__name__)
_COUNT = struct.Struct("<I")
_ENTRY = struct.Struct("<qBI")
AHEAD = 4  # pages the helper may render before the exporting process takes them
WAIT_S = 30.0  # a page takes ~15 ms: a helper this late is stuck, and its pages are rendered here
_DONE = object()


class ExportHelper:
    """The exporting side: starts the helper, and hands over its pages in order."""

    def __init__(self, proc: subprocess.Popen[bytes], mine: list[int]) -> None:
        self._proc = proc
        self._mine = set(mine)
        self._order = iter(mine)
        self._pages: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self._failed = False
        self._reader = threading.Thread(target=self._read, name="export-helper-reader", daemon=True)
        self._reader.start()

    @classmethod
    def start(
        cls,
        db_path: Path,
        uri_flags: str | None,
        version: str,
        pages: list[list[tuple[str, int]]],
        mine: Iterable[int],
    ) -> ExportHelper | None:
        mine = list(mine)
        if not mine:
            return None
        proc = helperproc.start(
            "readinglist.services.export_helper", [str(db_path), version, uri_flags or ""]
        )
        if proc is None:
            return None
        helperproc.feed(proc, json.dumps([pages[n] for n in mine]).encode("utf-8"), name="export-helper-feed")
        return cls(proc, mine)

    def take(self, n: int) -> tuple[dict[int, bytes], list[int]] | None:
        """Page ``n`` as the helper rendered it (its entries by id, and the ids it rendered), or
        None when ``n`` is not the helper's or the helper failed (render it here)."""
        if n not in self._mine or self._failed:
            return None
        expected = next(self._order, None)
        try:
            got = self._pages.get(timeout=WAIT_S)
        except queue.Empty:
            self._fail(f"no page in {WAIT_S:.0f} s")
            return None
        if expected != n or got is _DONE:
            self._fail("it sent fewer pages than it was given")
            return None
        assert isinstance(got, tuple)
        return got

    def _fail(self, why: str) -> None:
        if not self._failed:
            log.info("export helper stopped (%s); rendering its pages here", why)
        self._failed = True
        self._mine.clear()
        self.close()

    def _read(self) -> None:
        out = self._proc.stdout
        assert out is not None
        try:
            for _ in range(len(self._mine)):
                page = _read_page(out)
                if page is None:
                    break
                self._pages.put(page)
        except (OSError, ValueError, struct.error):
            pass
        self._pages.put(_DONE)

    def close(self) -> None:
        """Stop the helper (it may be mid-page when the export is cancelled) and wait for it."""
        proc = self._proc
        helperproc.stop(proc)
        while self._reader.is_alive():  # it may be blocked putting a page: make room until it ends
            with contextlib.suppress(queue.Empty):
                self._pages.get_nowait()
            self._reader.join(timeout=0.05)
        if proc.stdout is not None:
            proc.stdout.close()


def _read_exactly(out: IO[bytes], n: int) -> bytes | None:
    data = out.read(n)
    return data if data is not None and len(data) == n else None


def _read_page(out: IO[bytes]) -> tuple[dict[int, bytes], list[int]] | None:
    head = _read_exactly(out, _COUNT.size)
    if head is None:
        return None
    (count,) = _COUNT.unpack(head)
    texts: dict[int, bytes] = {}
    new: list[int] = []
    for _ in range(count):
        entry = _read_exactly(out, _ENTRY.size)
        if entry is None:
            return None
        pid, rendered, size = _ENTRY.unpack(entry)
        body = _read_exactly(out, size)
        if body is None:
            return None
        texts[pid] = body
        if rendered:
            new.append(pid)
    return texts, new


def _pages_out(pages: list[list[list[Any]]], db_path: Path, version: str, flags: str) -> Iterator[bytes]:
    from readinglist.db.raw import RawConnections
    from readinglist.services.exporting import page_entries

    raw = RawConnections(db_path, flags or None)
    reads = contextlib.contextmanager(raw.reader)
    try:
        for page in pages:
            keys = [(str(k), int(p)) for k, p in page]
            texts, rendered = page_entries(reads, keys, version)
            parts: list[bytes] = []
            for _, pid in keys:
                body = texts.get(pid)
                if body is not None:
                    parts += (_ENTRY.pack(pid, pid in rendered, len(body)), body)
            yield _COUNT.pack(len(parts) // 2) + b"".join(parts)
    finally:
        raw.close()


def main() -> None:
    """The helper: ``DB_PATH VERSION URI_FLAGS``, the pages on stdin, the entries on stdout."""
    from readinglist.services.exporting import writer_version

    db_path, version, flags = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    if writer_version() != version:
        sys.exit(3)  # other code than the exporting process runs: its entries would differ
    pages = json.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    for chunk in _pages_out(pages, db_path, version, flags):
        out.write(chunk)
        out.flush()
