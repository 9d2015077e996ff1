"""Attaching PDFs to papers: a tidy, safe ``pdfs/`` folder and the full-text index.

File names come from the citation key (sanitized, unique), never from remote data, and always
inside the library folder. Paths are stored relative to the library folder so it can move.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from readinglist.db.schema import Attachment, Paper, utcnow
from readinglist.errors import NotFoundError, PdfError
from readinglist.pdf.document import PdfText
from readinglist.records import AnnotationRecord
from readinglist.services.library import Library
from readinglist.services.unit import Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentInfo:
    paper_id: int
    path: Path  # absolute
    size: int
    sha256: str
    page_count: int
    has_text: bool
    text_indexed: bool  # its pages are in the search index


def safe_stem(citekey: str | None, paper_id: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", citekey or "").strip(".-")[:80]
    return stem or f"paper-{paper_id}"


def pdf_destination(lib: Library, paper_id: int, *, exclude: Path | None = None) -> Path:
    """A free file name in ``pdfs/`` for this paper: ``<citekey>.pdf``, then ``<citekey>-2.pdf``, ..."""
    with lib.read() as s:
        key = s.execute(select(Paper.citekey).where(Paper.id == paper_id)).scalar_one_or_none()
        used = {p for (p,) in s.execute(select(Attachment.path))}
    stem = safe_stem(key, paper_id)
    n = 1
    while True:
        name = f"{stem}.pdf" if n == 1 else f"{stem}-{n}.pdf"
        dest = (lib.pdf_dir / name).resolve()
        if dest.parent != lib.pdf_dir.resolve():  # cannot happen after sanitizing; belt and braces
            raise PdfError(f"refusing to write outside the library: {dest}")
        rel = str(dest.relative_to(lib.root))
        part = dest.with_name(dest.name + ".part")
        if (
            rel not in used
            and (not dest.exists() or dest == exclude)
            and not (part.exists() and exclude is None)
        ):
            return dest
        n += 1


def current_attachment(lib: Library, paper_id: int) -> AttachmentInfo | None:
    """The paper's stored PDF if its file is still there with the recorded size (on a lab
    library, brought from the lab's copy when this member's folder lacks it)."""
    with lib.read() as s:
        a = (
            s.execute(select(Attachment).where(Attachment.paper_id == paper_id).order_by(Attachment.id))
            .scalars()
            .first()
        )
        if a is None:
            return None
        path = lib.root / a.path
        # As recorded with the attachment: counting its pages in the text index would read the
        # whole index (``paper_id`` is not indexed there), for each paper a bulk fetch looks at.
        info = AttachmentInfo(
            paper_id, path, a.size, a.sha256, a.page_count, a.has_text, bool(a.text_indexed)
        )
    if path.is_file() and path.stat().st_size == info.size:
        return info
    if lib.is_shared:  # a lab library: the lab's copy of what a colleague attached
        from readinglist.services import labfiles

        if labfiles.fetch(lib, str(path.relative_to(lib.root)), sha256=info.sha256, size=info.size):
            return info
    return None


@dataclass(frozen=True)
class PdfContent:
    """What the isolated PDF worker read from a verified file, before any database work."""

    pages: tuple[str, ...]
    has_text: bool
    annotations: tuple[AnnotationRecord, ...]
    text: PdfText | None = None  # the whole extraction (metadata, title guess), when it worked


def read_content(path: Path, *, text_timeout: float = 120.0, require_text: bool = False) -> PdfContent:
    """Text and foreign annotations of a verified PDF, read in the isolated worker.

    A PDF without a readable text layer is still attached (flagged ``has_text=False``) unless
    ``require_text``; its annotations are skipped with a warning if they cannot be read.
    """
    from readinglist.pdf.worker import extract_text, read_annotations_isolated

    pdf_text: PdfText | None
    try:
        pdf_text = extract_text(path, timeout=text_timeout)
        pages: tuple[str, ...] = pdf_text.pages
        has_text = pdf_text.has_text
    except PdfError:
        if require_text:
            raise
        pdf_text, pages, has_text = None, (), False
    try:
        notes = tuple(read_annotations_isolated(path))
    except PdfError as exc:
        log.warning("could not read the annotations in %s: %s", path.name, exc)
        notes = ()
    return PdfContent(pages, has_text, notes, pdf_text)


def record_in(
    tx: Transaction,
    lib: Library,
    paper_id: int,
    path: Path,
    *,
    size: int,
    sha256: str,
    page_count: int,
    source: str | None,
    content: PdfContent,
) -> AttachmentInfo:
    """Inside a change: record a PDF already placed in ``pdfs/``, index its text, and bring in
    the annotations other viewers left in it. The paper is kept (downloading it saves it)."""
    from readinglist.services.annotations import add_imported
    from readinglist.services.papers import keep

    s = tx.session
    rel = str(path.resolve().relative_to(lib.root))
    if s.get(Paper, paper_id) is None:
        raise NotFoundError(f"paper #{paper_id} was deleted while its PDF was being fetched")
    tx.capture("attachments", [paper_id], by="paper_id")
    for old in s.execute(select(Attachment).where(Attachment.paper_id == paper_id)).scalars():
        if old.path != rel:
            s.delete(old)  # a re-download replaces the record; the old file is left alone
    existing = s.execute(select(Attachment).where(Attachment.path == rel)).scalar_one_or_none()
    att = existing or Attachment(paper_id=paper_id, path=rel)
    att.size, att.sha256, att.page_count = size, sha256, page_count
    indexed = content.has_text and any(
        body.strip() for body in content.pages
    )  # as index_pdf_text keeps pages
    att.has_text, att.text_indexed, att.source, att.added_at = content.has_text, indexed, source, utcnow()
    if existing is None:
        s.add(att)
    if lib.is_shared:
        from readinglist.services import labfiles

        labfiles.publish(tx, path, sha256=sha256, size=size)
    s.flush()
    tx.created("attachments", [att.id])
    if content.has_text:
        tx.index_pdf_text(paper_id, content.pages)
    else:
        tx.drop_pdf_text(paper_id)
    keep(tx, [paper_id])
    add_imported(tx, paper_id, content.annotations)
    tx.touched(papers=[paper_id], annotations=[paper_id] if content.annotations else ())
    return AttachmentInfo(paper_id, path, size, sha256, page_count, content.has_text, indexed)


def record_attachment(
    lib: Library,
    paper_id: int,
    path: Path,
    *,
    size: int,
    sha256: str,
    page_count: int,
    source: str | None,
    text_timeout: float = 120.0,
    label: str = "Attach PDF",
) -> AttachmentInfo:
    """Read a verified PDF placed in ``pdfs/`` (in the isolated worker) and record it with its
    text and annotations, in one change. If recording fails the file is removed again."""
    try:
        content = read_content(path, text_timeout=text_timeout)
        with lib.change(label) as tx:
            from readinglist.services.papers import describe

            tx.relabel(f"{label} to {describe(tx, [paper_id])}")
            return record_in(
                tx, lib, paper_id, path, size=size, sha256=sha256, page_count=page_count,
                source=source, content=content,
            )  # fmt: skip
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def place_copy(src: Path, dest: Path) -> None:
    """Copy a local file to ``dest`` atomically (``.part``, fsync, rename); the original stays."""
    tmp = dest.with_name(dest.name + ".part")
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1024 * 1024)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        from readinglist.fileutil import disk_full_message, is_disk_full

        if is_disk_full(exc):
            raise PdfError(f"cannot copy {src} into the library: {disk_full_message(dest.parent)}") from exc
        raise PdfError(f"cannot copy {src} into the library: {exc.strerror}") from exc


def attach_file(lib: Library, paper_id: int, src: Path, *, source: str | None = None) -> AttachmentInfo:
    """Copy a local PDF into the library (the original is left untouched) and attach it."""
    from readinglist.pdf.fetch import sha256_file
    from readinglist.pdf.worker import verify_pdf_isolated

    src = Path(src).expanduser()
    if not src.is_file():
        raise PdfError(f"{src} is not a file")
    page_count = verify_pdf_isolated(src)
    digest = sha256_file(src)
    current = current_attachment(lib, paper_id)
    if current is not None and current.sha256 == digest:
        return current
    dest = pdf_destination(lib, paper_id)
    place_copy(src, dest)
    return record_attachment(
        lib,
        paper_id,
        dest,
        size=dest.stat().st_size,
        sha256=digest,
        page_count=page_count,
        source=str(src.resolve()),
    )
