"""Importing local files: .bib, CSL-JSON and RIS files, and PDFs (identified by arXiv id, DOI or title)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select, update

from readinglist.db.schema import Attachment, Paper
from readinglist.errors import Cancelled, NetworkError, ReadingListError
from readinglist.records import PaperMeta, Progress
from readinglist.services.citations import ImportReport, import_file
from readinglist.services.library import Library

log = logging.getLogger(__name__)
REFERENCE_SUFFIXES = (".bib", ".json", ".ris")


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files to import: the files given, and the .pdf/.bib files inside folders given."""
    out: list[Path] = []
    for p in paths:
        p = Path(p).expanduser()
        if p.is_dir():
            out.extend(
                sorted(
                    q for q in p.rglob("*") if q.suffix.lower() in (".pdf", ".bib", ".ris") and q.is_file()
                )
            )
        else:
            out.append(p)
    return out


def import_files(
    lib: Library,
    paths: Sequence[Path],
    *,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import each file on its own: one bad file is reported and the others still come in."""
    report = ImportReport()
    files = expand_paths(paths)
    for n, path in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled(f"import cancelled after {n} of {len(files)} files; those are kept")
        if progress:
            progress(Progress(n, len(files), f"Importing {path.name}"))
        try:
            if not path.is_file():
                raise ReadingListError(f"{path}: no such file")
            suffix = path.suffix.lower()
            if suffix in REFERENCE_SUFFIXES:
                sub = import_file(lib, path)
                report.added += sub.added
                report.merged += sub.merged
                report.problems += sub.problems
                report.aliases += sub.aliases
            elif suffix == ".pdf" or _looks_like_pdf(path):
                pid, new = import_pdf(lib, path, cancelled=cancelled)
                (report.added if new else report.merged).append(pid)
            else:
                raise ReadingListError(
                    f"{path.name}: only .bib, .json (CSL-JSON), .ris and .pdf files can be imported"
                )
        except Cancelled:
            raise
        except ReadingListError as exc:
            report.problems.append(str(exc) if str(path.name) in str(exc) else f"{path.name}: {exc}")
    if progress:
        progress(Progress(len(files), len(files), "Import finished"))
    return report


def _looks_like_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return b"%PDF-" in f.read(1024)
    except OSError:
        return False


def import_pdf(lib: Library, path: Path, *, cancelled: Callable[[], bool] | None = None) -> tuple[int, bool]:
    """Find the paper a PDF belongs to (or create one), copy the file in, and attach it, with
    its text and the annotations other viewers left in it: one change, one undo step.

    Returns (paper id, whether the paper is new). The same file (by content) imported again is
    the paper that already has it. Papers made only from the PDF's own title are flagged
    ``needs_review``. The PDF is parsed in the isolated worker; network lookups happen before
    the write lock is taken; a failure at any step leaves the library as it was.
    """
    from readinglist.pdf.fetch import sha256_file
    from readinglist.pdf.identify import identify
    from readinglist.pdf.worker import verify_pdf_isolated
    from readinglist.services import ingest
    from readinglist.services.attachments import pdf_destination, place_copy, read_content, record_in
    from readinglist.services.papers import keep

    page_count = verify_pdf_isolated(path)
    digest = sha256_file(path)
    with lib.read() as s:
        same = s.execute(select(Attachment.paper_id).where(Attachment.sha256 == digest).limit(1)).scalar()
    if same is not None:
        return int(same), False
    content = read_content(path, require_text=True)
    assert content.text is not None
    ident = identify(content.text)
    meta: PaperMeta | None = None
    review = False
    if ident.arxiv_id:
        meta = _arxiv_meta(lib, ident.arxiv_id, ident.version, cancelled)
    if meta is None:
        title = ident.title or content.text.title_guess or path.stem.replace("_", " ")
        meta = PaperMeta(
            title=title, authors=ident.authors, arxiv_id=ident.arxiv_id, version=ident.version, doi=ident.doi
        )
        review = True
    copied: Path | None = None
    try:
        with lib.change(f"Import {path.name}") as tx:
            existed = ingest.find_existing(tx.session, [meta])[0] is not None
            pid = ingest.upsert_papers(tx, [meta], make_key=lib.make_citekey, fill_only=True).ids[0]
            keep(tx, [pid])
            if review and not existed:
                tx.session.execute(update(Paper).where(Paper.id == pid).values(needs_review=True))
            copied = pdf_destination(lib, pid)
            place_copy(path, copied)
            record_in(
                tx, lib, pid, copied, size=copied.stat().st_size, sha256=digest, page_count=page_count,
                source=str(path.resolve()), content=content,
            )  # fmt: skip
    except BaseException:
        if copied is not None:
            copied.unlink(missing_ok=True)
        raise
    return pid, not existed


def _arxiv_meta(
    lib: Library, arxiv_id: str, version: int | None, cancelled: Callable[[], bool] | None
) -> PaperMeta | None:
    """arXiv's metadata, or None when offline (the paper is then made from the PDF and flagged)."""
    from readinglist.sources.arxiv import ArxivClient

    client = ArxivClient(lib.http, lib.endpoints.arxiv_api, lib.endpoints.arxiv_delay)
    try:
        found = client.fetch([arxiv_id], cancelled=cancelled)
    except NetworkError as exc:
        log.warning("arXiv metadata for %s unavailable (%s); using the PDF's own", arxiv_id, exc)
        return None
    return found[0] if found else None
