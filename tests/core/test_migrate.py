"""``migrate --to URL`` resumes: a copy interrupted after N rows continues where it stopped (no
row twice, none skipped), ends verified, and lists exactly what the source lists; meanwhile the
half-filled target never takes the library's PDFs for orphans."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from readinglist.db.schema import Attachment
from readinglist.errors import StorageError
from readinglist.records import AnnotationRecord
from readinglist.services import annotations, library_settings, papers, reading_lists
from readinglist.services.library import Library
from readinglist.services.migrate import Progress, migrate_to
from tests.core.test_lab import CORPUS, meta, run_cli

pytestmark = pytest.mark.backends


class Stop(Exception):
    """The interruption: a dropped connection or Ctrl-C after some rows were committed."""


def _source(root: Path) -> Library:
    lib = Library.open(root)
    ids, _ = papers.upsert(lib, [meta(i + 1, **kw) for i, kw in enumerate(CORPUS)])  # type: ignore[arg-type]
    papers.tag(lib, ids[:3], ["lab", "Ünïcode"])
    papers.tag(lib, ids[1:], ["b-tag"])
    papers.append_note(lib, ids[0], "a note")
    papers.set_status(lib, [ids[1]], "read")
    reading_lists.create(lib, "Club")
    reading_lists.add(lib, "Club", ids[::-1])
    annotations.add_annotation(
        lib, ids[0], AnnotationRecord(None, 0, "note", rects=((1, 1, 2, 2),), comment="c")
    )
    library_settings.set_setting(lib, "citekey_pattern", "{auth}{year}")
    pdf = lib.pdf_dir / "kept.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% not parsed here\n")
    with lib.change("Attach", undoable=False) as tx:
        tx.session.add(
            Attachment(paper_id=ids[0], path="pdfs/kept.pdf", size=pdf.stat().st_size,
                       sha256=hashlib.sha256(pdf.read_bytes()).hexdigest())
        )  # fmt: skip
    return lib


def _stop_at(table: str, rows: int, seen: list[Progress]) -> object:
    def progress(p: Progress) -> None:
        seen.append(p)
        if p.table == table and p.done >= rows:
            raise Stop(f"interrupted in {table} after {p.done} rows")

    return progress


def test_an_interrupted_migrate_continues_where_it_stopped(tmp_path: Path, backend: str | None) -> None:
    root = tmp_path / "lib"
    target = backend or f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    src = _source(root)
    seen: list[Progress] = []
    try:  # two papers committed, then the connection "drops"
        with pytest.raises(Stop):
            migrate_to(src, target, _stop_at("papers", 2, seen), chunk=1)  # type: ignore[arg-type]
    finally:
        src.close()
    # In between, the half-filled target is opened on its own (no migrate holding the folder):
    # the PDF its attachments table does not list yet is not an orphan to move away.
    half = run_cli(root, None, "--database-url", target, "list", "--format", "json")
    assert half.returncode == 0, half.stderr
    assert (root / "pdfs" / "kept.pdf").is_file() and not (root / "recovered").exists()
    src = Library.open(root)
    try:  # again, inside a table keyed by two columns
        with pytest.raises(Stop):
            migrate_to(src, target, _stop_at("paper_tags", 3, seen), chunk=2)  # type: ignore[arg-type]
        resumed = {p.table: p.resumed for p in seen if p.resumed}
        assert resumed["papers"] == 2  # the second run started after the two papers copied
    finally:
        src.close()
    # The last run finishes it, from the CLI, with progress on stderr.
    done = run_cli(root, None, "migrate", "--to", target)
    assert done.returncode == 0, done.stderr
    assert "paper_tags: 9 of 9 rows, 4 already there from an interrupted run" in done.stderr
    assert "verified" in done.stderr
    outputs = []
    for args in (
        ("list", "--format", "json"),
        ("search", "tag:lab", "--format", "json"),
        ("export",),
        ("annotations", "#1", "--format", "json"),
    ):
        a = run_cli(root, None, *args)
        b = run_cli(root, None, "--database-url", target, *args)
        assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
        assert a.stdout == b.stdout and a.stdout.strip()
        outputs.append(a.stdout)
    assert len(json.loads(outputs[0])) == 4 and len(json.loads(outputs[1])) == 3
    again = run_cli(root, None, "migrate", "--to", target)
    assert again.returncode == 1 and "already holds a library" in again.stderr


def test_a_resumed_copy_whose_source_changed_meanwhile_is_not_finished(
    tmp_path: Path, backend: str | None
) -> None:
    target = backend or f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    src = _source(tmp_path / "lib")
    try:
        with pytest.raises(Stop):
            migrate_to(src, target, _stop_at("papers", 2, []), chunk=1)  # type: ignore[arg-type]
        papers.set_note(src, 1, "written after paper 1 was copied")
        with pytest.raises(StorageError, match=r"copy of papers differs from the source .*1 changed"):
            migrate_to(src, target)
        other = Library.open(tmp_path / "other")
        try:
            with pytest.raises(StorageError, match="unfinished copy of another library"):
                migrate_to(other, target)
        finally:
            other.close()
    finally:
        src.close()
