"""Issue 16: a streamed export (kept entries, rows of only the BibTeX fields, pages, batches)
is byte for byte the full render of the same papers, cold or warm, to a string, a file or stdout."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist import fileutil
from readinglist.bibtex.writer import write_bibtex
from readinglist.records import FeedItem, PaperFilter, PaperMeta
from readinglist.services import citations, exporting, ingest
from readinglist.services.library import Library
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]

TRICKY = [
    PaperMeta(
        title="GPU kernels for $O(n^2)$ attention: 100% & _fast_ {really}",
        authors=("Nguyễn Văn An", "Jan van der Berg", "Martin Luther King Jr.", "Google, Inc.", "OpenAI"),
        arxiv_id="2405.00001",
        published=dt.date(2024, 5, 1),
        primary_category="cs.LG",
    ),
    PaperMeta(
        title="Unbalanced } brace and a \\macro in iPhone-scale U.S. data",
        authors=("Jörg Müller", "Zoë Ægir-Łukasz", "李 小龍", "Ada  Lovelace"),
        arxiv_id="2405.00002",
        published=dt.date(2024, 5, 2),
        url="https://example.org/a path/{x}",
        doi="10.1000/ABC{1}",
    ),
    PaperMeta(
        title="A plain title with nothing to escape",
        authors=("The ATLAS Collaboration",),
        entry_type="article",
        journal="Journal of Things & Stuff",
        volume="3",
        pages="1--10",
        year=2021,
        month=13,
    ),
    PaperMeta(
        title="Proceedings paper\twith\nwhitespace",
        authors=("Ludwig van Beethoven", "de la Cruz, José"),
        booktitle="Proc. of ~Conf~",
        publisher="ACM",
        year=2020,
        month=7,
    ),
]


def _fill(lib: Library) -> None:
    citations.import_bib(lib, FIXTURES / "bib" / "thesis.bib")  # kept .bib entries, merged keys
    day = dt.date(2024, 5, 3)
    with lib.change("tricky", undoable=False) as tx:
        ingest.ingest_feed_items(tx, day, [FeedItem(m, day) for m in TRICKY], make_key=lib.make_citekey)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    citations.rekey(lib, ids[-1], "renamedKey2024")  # its old key goes out as ids


def _full(lib: Library, ids: list[int]) -> str:
    return write_bibtex(exporting.entries_for(lib, ids))


def _kept(lib: Library) -> int:
    con = sqlite3.connect(lib.db_path)
    try:
        return int(con.execute("SELECT count(*) FROM rendered_entries").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("at_once", [0, exporting.AT_ONCE_MAX], ids=["kept-by-page", "kept-at-once"])
def test_streamed_export_is_the_full_render_cold_and_warm(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at_once: int
) -> None:
    monkeypatch.setattr(exporting, "PAGE", 7)  # many pages, and keeps in several batches
    monkeypatch.setattr(exporting, "KEEP_BATCH", 20)
    monkeypatch.setattr(exporting, "AT_ONCE_MAX", at_once)  # a warm export reads its kept entries so
    ahead = exporting._kept_at_once
    read_at_once: list[int] = []

    def counting(*args: object, **kw: object) -> dict[int, bytes] | None:
        got = ahead(*args, **kw)  # type: ignore[arg-type]
        if got:
            read_at_once.append(len(got))
        return got

    monkeypatch.setattr(exporting, "_kept_at_once", counting)
    _fill(lib)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    full = _full(lib, ids)
    assert "ids = {" in full and "Nguyễn" in full and "{\\textbraceright}" in full
    cold = exporting.export_text(lib, ids)
    assert cold == full
    if lib.data_version() is not None:  # SQLite keeps rendered entries; a server renders each time
        assert _kept(lib) == full.count("\n@")
    assert exporting.export_text(lib, ids) == full  # warm: the kept entries
    out = tmp_path / "out.bib"
    assert exporting.write_export(lib, ids, out) is True
    assert out.read_bytes() == full.encode("utf-8")
    assert exporting.write_export(lib, ids, out) is False  # unchanged: left alone
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    subset = ids[::3]
    assert exporting.export_text(lib, subset) == _full(lib, subset)
    if lib.data_version() is not None:
        assert bool(read_at_once) is bool(at_once)


def test_a_changed_export_replaces_the_file_and_a_failed_one_leaves_it(lib: Library, tmp_path: Path) -> None:
    _fill(lib)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "out.bib"
    out.write_text("old", encoding="utf-8")
    assert exporting.write_export(lib, ids[:5], out) is True
    assert out.read_text(encoding="utf-8") == _full(lib, ids[:5])

    def broken() -> object:
        yield b"half an export"
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        exporting.write_chunks_atomically(out, broken())  # type: ignore[arg-type]
    assert out.read_text(encoding="utf-8") == _full(lib, ids[:5])
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.bib"]


def test_cli_export_to_stdout_and_file_is_the_full_render(lib: Library, tmp_path: Path) -> None:
    _fill(lib)
    ids = lib.paper_ids(PaperFilter(saved=True))
    assert ids
    full = _full(lib, ids)
    root = str(lib.root)
    lib.close()
    run = [sys.executable, "-m", "readinglist", "--library", root, "export"]
    res = subprocess.run(run, cwd=ROOT, capture_output=True, check=True)
    assert res.stdout == full.encode("utf-8")
    out = tmp_path / "x.bib"
    res = subprocess.run([*run, "-o", str(out)], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.read_bytes() == full.encode("utf-8") and "written to" in res.stderr


@st.composite
def _old_and_new(draw: st.DrawFn) -> tuple[bytes | None, list[bytes]]:
    """Chunks of a new export, and the file it replaces: none, the same text, the same with
    more after it, a start of it, the same with one byte changed, or anything."""
    chunks = draw(st.lists(st.binary(max_size=12), max_size=6))
    new = b"".join(chunks)
    at = draw(st.integers(0, len(new)))
    old = draw(
        st.one_of(
            st.none(),
            st.just(new),
            st.binary(min_size=1, max_size=9).map(lambda more: new + more),
            st.just(new[:at]),
            st.just(new[:at] + bytes([(new[at] + 1) % 256]) + new[at + 1 :] if at < len(new) else b"x"),
            st.binary(max_size=40),
        )
    )
    return old, chunks


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=_old_and_new(),
    hold=st.sampled_from([0, 7, fileutil.HOLD_MAX]),
    step=st.sampled_from([1, 5, fileutil.WRITEBACK_STEP]),
)
def test_a_streamed_write_is_its_chunks_and_leaves_an_equal_file_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[bytes | None, list[bytes]],
    hold: int,
    step: int,
) -> None:
    """Held while they agree with the old file, written once they do not (the ones held
    first), compared to the old file's very end: whatever the split, the file is the chunks."""
    old, chunks = case
    monkeypatch.setattr(fileutil, "HOLD_MAX", hold)
    monkeypatch.setattr(fileutil, "WRITEBACK_STEP", step)
    folder = tmp_path / os.urandom(4).hex()
    folder.mkdir()
    out = folder / "out.bib"
    if old is not None:
        out.write_bytes(old)
    before = out.stat() if old is not None else None
    new = b"".join(chunks)
    assert exporting.write_chunks_atomically(out, iter(chunks)) is (old != new)
    assert out.read_bytes() == new
    assert [p.name for p in folder.iterdir()] == ["out.bib"]
    if before is not None and old == new:  # left alone: not even rewritten with the same bytes
        after = out.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
