"""Annotations of a paper: the service the reader, the CLI and imports call.

Functions take a :class:`Library` and plain values and return :class:`AnnotationRecord`s. Each
mutation is one transaction that also refreshes the paper's search row and notifies listeners.
With the library setting ``write_annotations_to_pdf`` on, the stored PDF is rewritten after each
change so other viewers see the annotations too (off by default: the PDF stays pristine).

Annotations imported from the PDF carry a fingerprint. Deleting one remembers its fingerprint
for the paper (a library setting), so a re-import skips it and the reader keeps the PDF's own
copy hidden; restoring it (undo) forgets the fingerprint again.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from readinglist.db.schema import Annotation, Paper, Setting, utcnow
from readinglist.errors import NotFoundError, PdfError, ReadingListError, StaleWriteError
from readinglist.records import ANNOTATION_KINDS, AnnotationRecord, Changes, Point, Rect
from readinglist.recordtype import replace
from readinglist.services import papers
from readinglist.services.library import Library
from readinglist.services.unit import Transaction

log = logging.getLogger(__name__)

_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")

# PyMuPDF is not thread-safe, and these functions run it in-process on whatever thread calls
# them (a download thread importing annotations, the GUI reader's worker). Every PyMuPDF call
# here holds this lock, and the reader's worker holds it for each of its jobs, so the two never
# overlap. Re-entrant: a reader job calls add_annotation, which may rewrite the PDF.
PYMUPDF_LOCK = threading.RLock()


# --- conversion and validation ------------------------------------------------------------------


def _to_record(row: Annotation) -> AnnotationRecord:
    return AnnotationRecord(
        id=row.id,
        page=row.page,
        kind=row.kind,
        color=row.color,
        rects=tuple(tuple(float(v) for v in r) for r in json.loads(row.rects or "[]")),  # type: ignore[misc]
        ink=tuple(tuple((float(x), float(y)) for x, y in s) for s in json.loads(row.ink or "[]")),
        text=row.text or "",
        comment=row.comment or "",
        created=row.created,
        modified=row.modified,
        fingerprint=row.fingerprint,
        tags=tuple(json.loads(row.tags or "[]")),
        author=row.author or "",
        version=row.row_version or 0,
    )


def _rects_json(rects: Sequence[Rect]) -> str:
    return json.dumps([[float(v) for v in r] for r in rects])


def _ink_json(ink: Sequence[Sequence[Point]]) -> str:
    return json.dumps([[[float(x), float(y)] for x, y in stroke] for stroke in ink])


def _check_color(color: str) -> str:
    if not _COLOR_RE.match(color or ""):
        raise ReadingListError(f"annotation colour {color!r} is not of the form #rrggbb")
    return color.lower()


def _check_rects(rects: Sequence[Rect]) -> None:
    for r in rects:
        if len(r) != 4:
            raise ReadingListError(f"an annotation rectangle needs four numbers (x0, y0, x1, y1), not {r!r}")


def _validate(record: AnnotationRecord) -> None:
    if record.kind not in ANNOTATION_KINDS:
        raise ReadingListError(
            f"unknown annotation kind {record.kind!r}; expected one of {', '.join(ANNOTATION_KINDS)}"
        )
    if record.page < 0:
        raise ReadingListError(f"annotation page must be 0 or more, not {record.page}")
    _check_color(record.color)
    _check_rects(record.rects)
    if not record.rects and not record.ink:
        raise ReadingListError(f"a {record.kind} annotation needs a position on the page")


def _sort_key(r: AnnotationRecord) -> tuple[int, float, float, int]:
    """Page order, then top-to-bottom and left-to-right by the first rect (or ink point)."""
    if r.rects:
        return (r.page, r.rects[0][1], r.rects[0][0], r.id or 0)
    points = [p for stroke in r.ink for p in stroke] or [(0.0, 0.0)]
    return (r.page, min(p[1] for p in points), min(p[0] for p in points), r.id or 0)


def _row(s: Session, annotation_id: int) -> Annotation:
    row = s.get(Annotation, annotation_id)
    if row is None:
        raise NotFoundError(f"no annotation #{annotation_id} (it may have been deleted)")
    return row


def _check_paper(s: Session, paper_id: int) -> None:
    if s.get(Paper, paper_id) is None:
        raise NotFoundError(f"no paper #{paper_id} in the library")


# --- deleted imports -----------------------------------------------------------------------------
# Stored in the settings table under one key per paper (no schema change): a JSON list of the
# fingerprints of imported annotations the user deleted. Library.setting() only knows declared
# keys, so these are read and written here, inside the transaction of the change they belong to.


def _dismissed_key(paper_id: int) -> str:
    return f"dismissed_annotations/{paper_id}"


def _dismissed(s: Session, paper_id: int) -> set[str]:
    row = s.get(Setting, _dismissed_key(paper_id))
    return set(json.loads(row.value)) if row is not None else set()


def _set_dismissed(tx: Transaction, paper_id: int, fingerprints: set[str]) -> None:
    s = tx.session
    tx.capture("settings", [_dismissed_key(paper_id)])
    row = s.get(Setting, _dismissed_key(paper_id))
    if fingerprints:
        value = json.dumps(sorted(fingerprints))
        if row is None:
            s.add(Setting(key=_dismissed_key(paper_id), value=value))
        else:
            row.value = value
    elif row is not None:
        s.delete(row)


def _undismiss(tx: Transaction, paper_id: int, fingerprint: str | None) -> None:
    if fingerprint:
        dismissed = _dismissed(tx.session, paper_id)
        if fingerprint in dismissed:
            _set_dismissed(tx, paper_id, dismissed - {fingerprint})


def dismissed_fingerprints(lib: Library, paper_id: int) -> frozenset[str]:
    """Fingerprints of the annotations imported from the paper's PDF that the user deleted."""
    with lib.read() as s:
        return frozenset(_dismissed(s, paper_id))


# --- reading ------------------------------------------------------------------------------------


def _list(s: Session, paper_id: int) -> list[AnnotationRecord]:
    rows = s.execute(select(Annotation).where(Annotation.paper_id == paper_id)).scalars()
    return sorted((_to_record(r) for r in rows), key=_sort_key)


def list_annotations(lib: Library, paper_id: int) -> list[AnnotationRecord]:
    """The paper's annotations in page order, then top to bottom."""
    with lib.read() as s:
        _check_paper(s, paper_id)
        return _list(s, paper_id)


def annotations_markdown_for(lib: Library, paper_id: int) -> str:
    """The paper's annotations as a Markdown digest (see :mod:`readinglist.annotations_md`)."""
    from readinglist.annotations_md import annotations_markdown

    paper = lib.get(paper_id)
    return annotations_markdown(paper.citekey, paper.title, list_annotations(lib, paper_id))


# --- changing -----------------------------------------------------------------------------------


def _changed(lib: Library, tx: Transaction, paper_id: int) -> None:
    """Inside a change: the paper's annotations moved (its search row follows at commit), it is
    kept (annotating a paper saves it), and after the commit the stored PDF follows if asked to."""
    from readinglist.services.papers import keep

    keep(tx, [paper_id])
    tx.touched(annotations=[paper_id])
    tx.after_commit(lambda: write_back_if_asked(lib, paper_id))


def write_back_if_asked(lib: Library, paper_id: int) -> None:
    """Keep the stored PDF in step with the library, when the setting asks for it."""
    if lib.setting("write_annotations_to_pdf"):
        try:
            _write_back(lib, paper_id)
        except PdfError as exc:  # the database holds the truth; a locked PDF must not undo it
            log.warning("could not write annotations into the PDF of paper #%s: %s", paper_id, exc)


def _insert(tx: Transaction, paper_id: int, record: AnnotationRecord, *, keep_id: bool) -> Annotation:
    s = tx.session
    now = utcnow()
    row = Annotation(
        paper_id=paper_id,
        page=record.page,
        kind=record.kind,
        color=record.color.lower(),
        rects=_rects_json(record.rects),
        ink=_ink_json(record.ink),
        text=record.text,
        comment=record.comment,
        fingerprint=record.fingerprint,
        tags=json.dumps(list(record.tags), ensure_ascii=False),
        # A restored one (undo, redo) keeps who wrote it; a new one is the current member's.
        author=(record.author if keep_id else "") or tx.member,
        created=record.created or now,
        modified=record.modified or now,
    )
    # Undo re-inserts under the old id when it is free, so the ids the reader holds stay valid.
    if keep_id and record.id is not None and s.get(Annotation, record.id) is None:
        row.id = record.id
    s.add(row)
    s.flush()
    tx.created("annotations", [row.id])
    return row


def add_annotation(lib: Library, paper_id: int, record: AnnotationRecord) -> AnnotationRecord:
    """Store a new annotation; returns it with its id and timestamps."""
    _validate(record)
    with lib.change(f"Add {record.kind}") as tx:
        _check_paper(tx.session, paper_id)
        out = _to_record(_insert(tx, paper_id, replace(record, created=None, modified=None), keep_id=False))
        _undismiss(tx, paper_id, record.fingerprint)
        _changed(lib, tx, paper_id)
    return out


def restore_annotation(lib: Library, paper_id: int, record: AnnotationRecord) -> AnnotationRecord:
    """Re-insert a deleted annotation with the same content (and id, when free) for undo/redo."""
    _validate(record)
    with lib.change(f"Restore {record.kind}") as tx:
        _check_paper(tx.session, paper_id)
        out = _to_record(_insert(tx, paper_id, record, keep_id=True))
        _undismiss(tx, paper_id, record.fingerprint)
        _changed(lib, tx, paper_id)
    return out


def update_annotation(
    lib: Library,
    annotation_id: int,
    *,
    color: str | None = None,
    comment: str | None = None,
    rects: Sequence[Rect] | None = None,
    text: str | None = None,
    ink: Sequence[Sequence[Point]] | None = None,
    base: AnnotationRecord | None = None,
) -> AnnotationRecord:
    """Change an annotation's colour, comment, geometry (rects, ink strokes) or quoted text;
    returns the new record. Moving an annotation changes its rects (and its ink, if any).

    ``base`` is the record the user edited from. If somebody changed the annotation since
    (its version moved) and changed one of the fields this edit sets, the edit is refused
    (:class:`StaleWriteError`, nothing applied); changes to other fields merge."""
    if color is not None:
        color = _check_color(color)
    if rects is not None:
        _check_rects(rects)
    if ink is not None and any(len(p) != 2 for stroke in ink for p in stroke):
        raise ReadingListError("an ink stroke is a list of (x, y) points")
    with lib.change("Change annotation") as tx:
        s = tx.session
        tx.capture("annotations", [annotation_id])
        row = _row(s, annotation_id)
        what = "colour" if color is not None else "comment" if comment is not None else "position"
        tx.relabel(f"Change {row.kind} {what}")
        if base is not None and base.version and base.version != row.row_version:
            wanted = {"color": color, "comment": comment, "rects": rects, "text": text, "ink": ink}
            _refuse_overwrite(_to_record(row), base, [f for f, v in wanted.items() if v is not None])
        if color is not None:
            row.color = color
        if comment is not None:
            row.comment = comment
            row.author = tx.member
        if rects is not None:
            row.rects = _rects_json(rects)
        if text is not None:
            row.text = text
            row.author = tx.member
        if ink is not None:
            row.ink = _ink_json(ink)
        if (rects is not None or ink is not None) and not json.loads(row.rects) and not json.loads(row.ink):
            raise ReadingListError(f"a {row.kind} annotation needs a position on the page")
        row.modified = utcnow()
        s.flush()
        out, paper_id = _to_record(row), row.paper_id
        _changed(lib, tx, paper_id)
    return out


_FIELD_NAMES = {"color": "colour", "comment": "comment", "rects": "position", "text": "text", "ink": "ink"}


def _refuse_overwrite(now: AnnotationRecord, base: AnnotationRecord, fields: Sequence[str]) -> None:
    """Raise if any of ``fields`` differs now from what the editor started from."""
    clashes = [f for f in fields if getattr(now, f) != getattr(base, f)]
    if not clashes:
        return
    who = (now.author if {"comment", "text"} & set(clashes) else "") or "somebody"
    names = ", ".join(_FIELD_NAMES[f] for f in clashes)
    current = f" It now reads: “{now.comment}”." if "comment" in clashes and now.comment else ""
    raise StaleWriteError(
        f"{who} changed this {now.kind}'s {names} since you opened it, so your change was not "
        f"applied.{current}"
    )


def delete_annotation(lib: Library, annotation_id: int) -> AnnotationRecord:
    """Delete an annotation; returns what was deleted so undo can restore it.

    An imported one is remembered as deleted, so importing the PDF again does not bring it back.
    """
    with lib.change("Delete annotation") as tx:
        s = tx.session
        tx.capture("annotations", [annotation_id])
        row = _row(s, annotation_id)
        tx.relabel(f"Delete {row.kind}")
        out, paper_id = _to_record(row), row.paper_id
        if row.fingerprint:
            _set_dismissed(tx, paper_id, _dismissed(s, paper_id) | {row.fingerprint})
        s.delete(row)
        s.flush()
        _changed(lib, tx, paper_id)
    return out


# --- PDFs ---------------------------------------------------------------------------------------


def _pdf_of(lib: Library, paper_id: int) -> Path:
    paper = lib.get(paper_id)
    if not paper.pdf:
        raise NotFoundError(f"{paper.citekey or f'paper #{paper_id}'} has no PDF (download it first)")
    path = Path(paper.pdf)
    if not path.is_file():
        raise PdfError(f"the PDF of {paper.citekey or f'paper #{paper_id}'} is missing: {path}")
    return path


def _own(records: Sequence[AnnotationRecord]) -> list[AnnotationRecord]:
    # Imported annotations are still in the PDF as their author wrote them; writing them again
    # would show each twice in other viewers. Those from another tool's database (fingerprint
    # "zotero:KEY") are in no PDF, so they are written like the user's own.
    return [r for r in records if r.fingerprint is None or ":" in r.fingerprint]


def _write_back(lib: Library, paper_id: int) -> None:
    from readinglist.pdf.annotations import write_annotations

    paper = lib.get(paper_id)
    if not paper.pdf or not Path(paper.pdf).is_file():
        return
    records = _own(list_annotations(lib, paper_id))
    with PYMUPDF_LOCK:
        write_annotations(Path(paper.pdf), Path(paper.pdf), records)


def export_annotated_pdf(lib: Library, paper_id: int, dst: Path) -> int:
    """Write a copy of the paper's PDF with its annotations to ``dst``; returns how many were written.

    Unlike the write-back into the stored PDF (which never touches other viewers' annotations),
    the copy is rebuilt from the library, imported annotations included.
    """
    from readinglist.pdf.annotations import write_annotations

    src = _pdf_of(lib, paper_id)
    dst = Path(dst).expanduser()
    if dst.is_dir():
        raise PdfError(f"{dst} is a folder; give a file name such as {dst / src.name}")
    if not dst.parent.is_dir():
        raise PdfError(f"cannot write {dst}: the folder {dst.parent} does not exist")
    if dst.resolve() == src.resolve():
        raise PdfError("export to a new file: the stored PDF itself is never overwritten by an export")
    # The copy shows the library's truth: imported annotations as the user left them (moved,
    # recoloured, commented) in place of the PDF's originals, and deleted ones not at all.
    records = list_annotations(lib, paper_id)
    replaced = {r.fingerprint for r in records if r.fingerprint} | dismissed_fingerprints(lib, paper_id)
    with PYMUPDF_LOCK:
        return write_annotations(src, dst, records, drop_foreign=replaced)


def import_pdf_annotations(lib: Library, paper_id: int, pdf_path: Path) -> int:
    """Import the annotations other viewers left in a PDF; returns how many were new.

    The PDF is parsed in the isolated PDF worker (a file that crashes MuPDF fails this import,
    not the app). Each annotation keeps the fingerprint the PDF layer computes, so importing the
    same file again adds nothing; the ones the user deleted stay deleted. Annotations
    readinglist wrote itself are skipped.
    """
    from readinglist.pdf.worker import read_annotations_isolated

    found = read_annotations_isolated(Path(pdf_path))
    with lib.change("Import annotations") as tx:
        added = add_imported(tx, paper_id, found)
        if added:
            _changed(lib, tx, paper_id)
    return added


def add_imported(tx: Transaction, paper_id: int, found: Sequence[AnnotationRecord]) -> int:
    """Insert, inside a change, the annotations read from a paper's PDF that are new to it."""
    s = tx.session
    _check_paper(s, paper_id)
    known = set(
        s.execute(
            select(Annotation.fingerprint).where(
                Annotation.paper_id == paper_id, Annotation.fingerprint.is_not(None)
            )
        ).scalars()
    ) | _dismissed(s, paper_id)
    added = 0
    for rec in found:
        if not rec.fingerprint or not (rec.rects or rec.ink):
            continue
        if rec.fingerprint in known or rec.kind not in ANNOTATION_KINDS:
            continue
        known.add(rec.fingerprint)
        try:
            color = _check_color(rec.color)
        except ReadingListError:
            color = "#ffd400"
        _insert(tx, paper_id, replace(rec, id=None, color=color), keep_id=False)
        added += 1
    if added:
        tx.touched(annotations=[paper_id])
    return added


def append_annotations_to_note(lib: Library, paper_id: int) -> Changes:
    """Append the Markdown digest of the paper's annotations to its note."""
    return papers.append_note(lib, paper_id, annotations_markdown_for(lib, paper_id))


__all__ = [
    "add_annotation",
    "annotations_markdown_for",
    "append_annotations_to_note",
    "delete_annotation",
    "dismissed_fingerprints",
    "export_annotated_pdf",
    "import_pdf_annotations",
    "list_annotations",
    "restore_annotation",
    "update_annotation",
]
