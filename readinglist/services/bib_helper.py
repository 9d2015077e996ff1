"""A second process that decodes part of a big .bib import (issue 16).

Parsing a .bib is one sequential pass (blocks, @string macros in file order, duplicate keys,
crossrefs: :func:`readinglist.bibtex.reader.scan_bibtex`), then each entry's decoding on its
own (TeX to text, names, the metadata and the kept source: :func:`decode_entry`), which is two
thirds of it. For a big file, :func:`parse_bib_metas` starts this helper with the file's bytes;
both processes scan the same text the same way, the helper decodes the last :data:`SHARE` of
the entries while the importing process decodes the rest, and the importing process puts them
together in file order, so an import gets what :func:`parse_bibtex_file` gives.

The helper is a fresh interpreter running this module, not a fork (the importing process holds
SQLite connections, and the GUI has threads). It reads nothing but its stdin and writes nothing
but its stdout. If it cannot start, runs other code, fails, dies or takes longer than
:data:`WAIT_S`, the importing process decodes its share itself: the helper only saves time.

Protocol: stdin carries one JSON line ``{"version", "name", "share"}`` then the file's bytes;
stdout carries a pickle of ``{"version", "entries", "results"}``, ``results`` being the decoded
entries from the helper's first one on, in order: each one's metadata or problem, as plain
tuples. Pickle is safe here: the data comes from a child this process started, running this
same code (the version says so).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from readinglist.bibtex.encoding import decode_bib
from readinglist.bibtex.reader import (
    BibEntry,
    BibProblem,
    decode_entry,
    ordered_problems,
    read_bib,
    scan_bibtex,
)
from readinglist.errors import BibtexError
from readinglist.fileutil import source_version
from readinglist.records import PaperMeta
from readinglist.recordtype import fields as record_fields
from readinglist.services import helperproc

log = logging.getLogger(__name__)
MIN_BYTES = 1 << 20  # about 700 entries with abstracts: less than that decodes in ~70 ms, a start's cost
# Of the entries, what the helper decodes: it starts ~0.1 s after the importing process and its
# answer takes ~0.1 s to read; one started before the day's backup (start_early) can take more
# (10k entries, 5 runs each: 0.45 2.97 s, 0.5 2.93 s, 0.55 2.92 s, 0.6 2.98 s).
SHARE = 0.4
SHARE_EARLY = 0.55
WAIT_S = 60.0  # the helper's share of 100k entries takes ~4 s; one this late is stuck
_PACKAGE = Path(__file__).resolve().parents[1]
_CODE = ("bibtex/reader.py", "bibtex/fields.py", "bibtex/latex.py", "bibtex/source.py", "bibtex/split.py",
         "bibtex/encoding.py", "bibtex/citekeys.py", "records.py", "recordtype.py", "services/bib_helper.py")  # fmt: skip
_VERSION: str | None = None

_META_FIELDS = tuple(f.name for f in record_fields(PaperMeta))  # PaperMeta(*values) takes them in order


def code_version() -> str:
    """Names the code that scans and decodes (checksums and length of its modules' source): a
    helper running other code is not used."""
    global _VERSION
    if _VERSION is None:
        _VERSION = source_version(_PACKAGE / name for name in _CODE)
    return _VERSION


def first_of_share(count: int, share: float) -> int:
    """Index of the helper's first entry when there are ``count``."""
    return count - int(count * share)


def parse_bib_metas(path: Path) -> tuple[list[PaperMeta], tuple[BibProblem, ...]]:
    """What an import takes of :func:`readinglist.bibtex.reader.parse_bibtex_file` (each entry's
    metadata, in file order, and the problems, by line), decoded on two cores when the file is
    big (:data:`MIN_BYTES`), with the helper :func:`start_early` started for it if there is one
    (and the bytes it read then)."""
    path = Path(path)
    data, helper = _early.pop(_early_key(path), (None, None))
    if data is None:
        data = read_bib(path)
        helper = BibHelper.start(data, path.name, SHARE) if len(data) >= MIN_BYTES else None
    try:
        text, notes = decode_bib(data, path.name)
        scan = scan_bibtex(text)
        count = len(scan.raws)
        split = first_of_share(count, helper.share) if helper is not None else count
        mine = [_slim(decode_entry(raw, scan.parents)) for raw in scan.raws[:split]]
        theirs = helper.results(count, split) if helper is not None else []
        if theirs is None:  # the helper failed: its share is decoded here
            theirs = [_slim(decode_entry(raw, scan.parents)) for raw in scan.raws[split:]]
    finally:
        if helper is not None:
            helper.close()
    metas: list[PaperMeta] = []
    problems = list(scan.problems)
    for d in (*mine, *theirs):
        if isinstance(d, PaperMeta):
            metas.append(d)
        elif d is not None:
            problems.append(d)
    return metas, ordered_problems(problems, notes)  # as parse_bibtex_file orders them


Slim = PaperMeta | BibProblem | None


def _slim(d: BibEntry | BibProblem | None) -> Slim:
    return d.meta if isinstance(d, BibEntry) else d


_early: dict[str, tuple[bytes, BibHelper | None]] = {}
_stop_registered = False


def _early_key(path: Path) -> str:
    return os.path.abspath(Path(path).expanduser())


def start_early(path: Path) -> None:
    """Read a big .bib now and start its helper, to be taken by :func:`parse_bib_metas` later:
    ``readinglist import`` calls this before the day's backup and the loading of the database
    layer (0.4 s), which the helper's start and scan then overlap, so it can take a larger
    share (:data:`SHARE_EARLY`). Does nothing for a small or unreadable file (the import says
    why later). A helper never taken is stopped when the process exits."""
    try:
        data = read_bib(Path(path))
    except BibtexError:
        return
    if len(data) < MIN_BYTES:
        return
    global _stop_registered
    if not _stop_registered:
        atexit.register(_stop_early)
        _stop_registered = True
    _early[_early_key(path)] = (data, BibHelper.start(data, Path(path).name, SHARE_EARLY))


def _stop_early() -> None:
    for _data, helper in _early.values():
        if helper is not None:
            helper.close()
    _early.clear()


class BibHelper:
    """The importing side: starts the helper, feeds it the file and collects what it sends."""

    def __init__(self, proc: subprocess.Popen[bytes], share: float) -> None:
        self._proc = proc
        self.share = share
        self._out: list[bytes] = []
        self._read = threading.Thread(target=self._collect, name="bib-helper-reader", daemon=True)
        self._read.start()

    @classmethod
    def start(cls, data: bytes, name: str, share: float) -> BibHelper | None:
        proc = helperproc.start("readinglist.services.bib_helper")
        if proc is None:
            return None
        head = json.dumps({"version": code_version(), "name": name, "share": share}).encode("utf-8") + b"\n"
        helperproc.feed(proc, head, data, name="bib-helper-feed")
        return cls(proc, share)

    def _collect(self) -> None:
        out = self._proc.stdout
        assert out is not None
        with contextlib.suppress(OSError, ValueError):  # closed under it: nothing came
            self._out.append(out.read())

    def results(self, count: int, first: int) -> list[Slim] | None:
        """The helper's share (entries ``first`` to ``count``), decoded, or None when it did not
        deliver them (its share is then decoded here)."""
        self._read.join(WAIT_S)
        if self._read.is_alive():
            log.info("bib helper sent nothing in %.0f s; decoding its share here", WAIT_S)
            return None
        try:
            got: dict[str, Any] = pickle.loads(self._out[0]) if self._out and self._out[0] else {}
        except Exception as exc:  # a helper that died mid-write leaves a cut pickle
            log.info("bib helper's answer is unreadable (%s); decoding its share here", exc)
            return None
        results = got.get("results")
        if (
            got.get("version") != code_version()
            or got.get("entries") != count
            or not isinstance(results, list)
            or len(results) != count - first
        ):
            log.info("bib helper ran other code or read another file; decoding its share here")
            return None
        try:
            out = [_unflat(r) for r in results]
        except (TypeError, ValueError, IndexError) as exc:
            log.info("bib helper's answer is malformed (%s); decoding its share here", exc)
            return None
        log.debug("bib helper decoded %d of %d entries", len(out), count)
        return out

    def close(self) -> None:
        helperproc.stop(self._proc)
        for stream in (self._proc.stdout, self._proc.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _flat(d: BibEntry | BibProblem | None) -> tuple[object, ...] | None:
    """What the importing process takes of a decoded entry, as plain values: records take three
    times as long to unpickle, and the decoded fields would double what is sent."""
    if isinstance(d, BibEntry):
        return ("m", *(getattr(d.meta, name) for name in _META_FIELDS))
    if isinstance(d, BibProblem):
        return ("p", d.line, d.message)
    return None


def _unflat(t: Any) -> Slim:
    if t is None:
        return None
    if t[0] == "m":
        return PaperMeta(*t[1:])
    if t[0] == "p":
        return BibProblem(t[1], t[2])
    raise ValueError(f"not a decoded entry: {t[0]!r}")


def main() -> None:
    """The helper: scan what comes on stdin, decode its share, send it back."""
    stdin = sys.stdin.buffer
    head = json.loads(stdin.readline())
    if head.get("version") != code_version():
        sys.exit(3)  # other code: the importing process decodes everything itself
    data = stdin.read()
    text, _notes = decode_bib(data, str(head["name"]))
    scan = scan_bibtex(text)
    count = len(scan.raws)
    first = first_of_share(count, float(head["share"]))
    results = [_flat(decode_entry(raw, scan.parents)) for raw in scan.raws[first:]]
    answer = {"version": code_version(), "entries": count, "results": results}
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
