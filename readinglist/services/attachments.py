"""Attaching PDFs to papers: a tidy, safe ``pdfs/`` folder and the full-text index.

File names come from the citation key (sanitized, unique), never from remote data, and always
inside the library folder. Paths are stored relative to the library folder so it can move.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text

from readinglist.db import fts
from readinglist.db.schema import Attachment, Paper, utcnow
from readinglist.errors import NotFoundError, PdfError
from readinglist.records import Changes
from readinglist.services.library import Library


@dataclass(frozen=True)
class AttachmentInfo:
    paper_id: int
    path: Path  # absolute
    size: int
    sha256: str
    page_count: int
    has_text: bool
    text_pages: int


def safe_stem(citekey: str | None, paper_id: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", citekey or "").strip(".-")[:80]
    return stem or f"paper-{paper_id}"


def pdf_destination(lib: Library, paper_id: int, *, exclude: Path | None = None) -> Path:
    """A free file name in ``pdfs/`` for this paper: ``<citekey>.pdf``, then ``<citekey>-2.pdf``, ..."""
    with lib.session() as s:
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
    """The paper's stored PDF if its file is still there with the recorded size."""
    with lib.session() as s:
        a = (
            s.execute(select(Attachment).where(Attachment.paper_id == paper_id).order_by(Attachment.id))
            .scalars()
            .first()
        )
        if a is None:
            return None
        path = lib.root / a.path
        pages = s.execute(
            text("SELECT count(*) FROM pdf_fts WHERE paper_id = :p"), {"p": paper_id}
        ).scalar_one()
        info = AttachmentInfo(paper_id, path, a.size, a.sha256, a.page_count, a.has_text, int(pages))
    if not path.is_file() or path.stat().st_size != info.size:
        return None
    return info


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
) -> AttachmentInfo:
    """Index the text of a verified PDF already placed in ``pdfs/`` and record it, in one transaction.

    Text extraction runs in the isolated worker process; a PDF without a text layer is attached
    and flagged ``has_text=False``. If recording fails the file is removed again.
    """
    from readinglist.pdf.worker import extract_text

    try:
        pdf_text = extract_text(path, timeout=text_timeout)
        pages: tuple[str, ...] = pdf_text.pages
        has_text = pdf_text.has_text
    except PdfError:
        # The file verified (it opens and has pages) but its text could not be read: attach it
        # and flag it, rather than lose a PDF the user asked for.
        pages, has_text = (), False
    rel = str(path.resolve().relative_to(lib.root))
    try:
        with lib.session() as s:
            if s.get(Paper, paper_id) is None:
                raise NotFoundError(f"paper #{paper_id} was deleted while its PDF was being fetched")
            for old in s.execute(select(Attachment).where(Attachment.paper_id == paper_id)).scalars():
                if old.path != rel:
                    s.delete(old)  # a re-download replaces the record; the old file is left alone
            existing = s.execute(select(Attachment).where(Attachment.path == rel)).scalar_one_or_none()
            att = existing or Attachment(paper_id=paper_id, path=rel)
            att.size, att.sha256, att.page_count = size, sha256, page_count
            att.has_text, att.text_indexed, att.source, att.added_at = has_text, bool(pages), source, utcnow()
            if existing is None:
                s.add(att)
            n = fts.replace_pdf_text(s, paper_id, pages) if has_text else 0
            if not has_text:
                fts.drop_pdf_text(s, paper_id)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    lib._notify(Changes(papers=frozenset({paper_id})))
    return AttachmentInfo(paper_id, path, size, sha256, page_count, has_text, n)


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
    tmp = dest.with_name(dest.name + ".part")
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1024 * 1024)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"cannot copy {src} into the library: {exc.strerror}") from exc
    return record_attachment(
        lib,
        paper_id,
        dest,
        size=dest.stat().st_size,
        sha256=digest,
        page_count=page_count,
        source=str(src.resolve()),
    )
