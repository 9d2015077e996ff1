"""The files of a Zotero import: each item's PDF copied into the library with its Zotero 7
annotations, one change per PDF (so a missing or broken file costs only itself)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.db.schema import ImportLink
from readinglist.errors import PdfError
from readinglist.records import AnnotationRecord
from readinglist.services.library import Library
from readinglist.services.unit import Transaction
from readinglist.services.zotero_import import SOURCE, ZoteroImportReport, link_key, meta_label
from readinglist.zotero.reader import LINK_LINKED_FILE, LINK_LINKED_URL, ZAttachment, ZItem

if TYPE_CHECKING:
    import pymupdf


def attachment_file(att: ZAttachment, data_dir: Path, base_dir: Path | None = None) -> Path | None:
    """Where an attachment's file is: Zotero's storage folder, a linked file's own path, or a
    path relative to the linked-attachment base folder (``attachments:…``)."""
    if att.path.startswith("storage:"):
        return data_dir / "storage" / att.key / att.path[len("storage:") :]
    if att.link_mode != LINK_LINKED_FILE or not att.path:
        return None
    if att.path.startswith("attachments:"):
        return base_dir / att.path[len("attachments:") :] if base_dir is not None else None
    return Path(att.path)


def _is_pdf(att: ZAttachment) -> bool:
    return att.content_type == "application/pdf" or att.path.lower().endswith(".pdf")


def _lost(att: ZAttachment) -> str:
    n = len(att.annotations)
    return f"; its {n} annotation{'s' if n != 1 else ''} need the PDF and did not come" if n else ""


def _why_not(att: ZAttachment, path: Path | None, copy_linked: bool) -> str | None:
    if path is None:
        return f"{att.path} is relative to Zotero's linked-file base folder, which was not found (give --base-dir)"
    if att.link_mode == LINK_LINKED_FILE and not copy_linked:
        return f"linked file {path} left where it is"
    if not path.is_file():
        return f"the PDF {path} is missing"
    return None


def import_files(
    lib: Library, item: ZItem, pid: int, data_dir: Path, *, copy_linked: bool, report: ZoteroImportReport,
    coalesce: str, base_dir: Path | None = None,
) -> None:  # fmt: skip
    """The item's first PDF (and its annotations); further PDFs are reported, a paper keeps one."""
    from readinglist.services.attachments import current_attachment

    label = meta_label(item)
    attached = False
    for att in (a for a in item.attachments if _is_pdf(a) and a.link_mode != LINK_LINKED_URL):
        key = link_key(att.key, item.library_id)
        with lib.read() as s:
            done = s.get(ImportLink, (SOURCE, key)) is not None
        path = attachment_file(att, data_dir, base_dir)
        if not done and attached:
            report.skipped.append(
                f"{label}: a further PDF ({att.title or att.key}) was left out; a paper keeps one PDF"
                + _lost(att)
            )
            continue
        if not done:
            why = _why_not(att, path, copy_linked)
            if why:
                report.skipped.append(f"{label}: {why}" + _lost(att))
                continue
            assert path is not None
            if current_attachment(lib, pid) is not None:
                report.skipped.append(
                    f"{label}: kept the PDF the library already had; Zotero's annotations are placed on it"
                )
                _link(lib, key, pid, coalesce)
            else:
                try:
                    _copy_in(lib, pid, path, key, coalesce)
                except PdfError as exc:
                    report.skipped.append(f"{label}: {exc}" + _lost(att))
                    continue
                report.pdfs += 1
        attached = True
        report.annotations += _annotations(lib, pid, att, label, report, coalesce)


def _link(lib: Library, key: str, pid: int, coalesce: str) -> None:
    with lib.change("Import from Zotero", coalesce=coalesce) as tx:
        _add_link(tx, key, pid)


def _add_link(tx: Transaction, key: str, pid: int) -> None:
    tx.session.add(ImportLink(source=SOURCE, key=key, kind="attachment", paper_id=pid))
    tx.session.flush()
    tx.created("import_links", [key], by="key")


def _copy_in(lib: Library, pid: int, src: Path, key: str, coalesce: str) -> None:
    """Verify and copy the PDF, read it in the isolated worker, then record it in one change."""
    from readinglist.pdf.fetch import sha256_file
    from readinglist.pdf.worker import verify_pdf_isolated
    from readinglist.services.attachments import pdf_destination, place_copy, read_content, record_in

    page_count = verify_pdf_isolated(src)
    digest = sha256_file(src)
    dest = pdf_destination(lib, pid)
    place_copy(src, dest)
    try:
        content = read_content(dest)
        with lib.change("Import from Zotero", coalesce=coalesce) as tx:
            record_in(tx, lib, pid, dest, size=dest.stat().st_size, sha256=digest, page_count=page_count,
                      source=str(src.resolve()), content=content)  # fmt: skip
            _add_link(tx, key, pid)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _page_matrices(path: Path) -> list[pymupdf.Matrix]:
    """PDF-to-page transforms of every page (Zotero stores positions in PDF user space)."""
    import pymupdf

    from readinglist.services.annotations import PYMUPDF_LOCK

    with PYMUPDF_LOCK, pymupdf.open(path) as doc:
        return [page.transformation_matrix for page in doc]


def _annotations(
    lib: Library, pid: int, att: ZAttachment, label: str, report: ZoteroImportReport, coalesce: str
) -> int:
    import pymupdf

    from readinglist.services.annotations import add_imported, write_back_if_asked
    from readinglist.services.attachments import current_attachment
    from readinglist.zotero.convert import annotation_record

    if not att.annotations:
        return 0
    current = current_attachment(lib, pid)
    if current is None:
        report.skipped.append(f"{label}: {len(att.annotations)} annotations need the PDF, which did not come")
        return 0
    matrices = _page_matrices(current.path)

    def to_page(page: int, x: float, y: float) -> tuple[float, float]:
        p = pymupdf.Point(x, y) * matrices[page]
        return (round(p.x, 2), round(p.y, 2))

    records: list[AnnotationRecord] = []
    for a in att.annotations:
        page = a.position.get("pageIndex")
        rec = annotation_record(a, to_page) if isinstance(page, int) and 0 <= page < len(matrices) else None
        if rec is None:
            report.skipped.append(f"{label}: a {a.type} annotation ({a.key}) has no usable position")
        else:
            records.append(rec)
    with lib.change("Import from Zotero", coalesce=coalesce) as tx:
        added = add_imported(tx, pid, records)
        if added:
            tx.after_commit(lambda: write_back_if_asked(lib, pid))
    return added
