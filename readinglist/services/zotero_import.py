"""Import a Zotero library: items, collections as reading lists, tags with colours, notes, PDFs
and Zotero 7 annotations. Duplicates merge with the library (arXiv id, DOI, title); what came
once is remembered in ``import_links``, so importing again changes nothing.

The database side runs one transaction per batch of items; PDFs are copied in after, each on
its own, so a missing or broken file costs only that file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from readinglist.db import fts
from readinglist.db.schema import ImportLink, Paper, ReadingList, Tag, utcnow
from readinglist.errors import Cancelled, ReadingListError
from readinglist.records import Changes, Progress
from readinglist.services import ingest
from readinglist.services.library import Library
from readinglist.zotero.convert import meta_from_item, note_markdown
from readinglist.zotero.reader import (
    LINK_LINKED_FILE,
    LINK_LINKED_URL,
    ZAttachment,
    ZItem,
    ZNote,
    read_library,
)

SOURCE = "zotero"
BATCH = 200


@dataclass
class ZoteroImportReport:
    added: list[int] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    lists: int = 0
    tags: int = 0
    notes: int = 0
    pdfs: int = 0
    annotations: int = 0
    trashed: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [
            f"{len(self.added)} new papers, {len(self.merged)} merged into papers already here, "
            f"{len(self.unchanged)} already imported before",
            f"{self.lists} reading lists, {self.tags} tags, {self.notes} notes, {self.pdfs} PDFs, "
            f"{self.annotations} annotations",
        ]
        if self.trashed:
            lines.append(f"{self.trashed} items in Zotero's trash were left out")
        lines += [f"skipped: {s}" for s in self.skipped]
        return lines

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _link_key(item_or_key: ZItem | str, library_id: int) -> str:
    return f"{library_id}/{item_or_key if isinstance(item_or_key, str) else item_or_key.key}"


def _links(s: Session, keys: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(keys), 500):
        rows = s.execute(
            select(ImportLink.key, ImportLink.paper_id).where(
                ImportLink.source == SOURCE, ImportLink.key.in_(keys[i : i + 500])
            )
        )
        out.update({k: pid for k, pid in rows})
    return out


class _Writer:
    """Tags, lists and notes inside one batch's transaction, created on first use."""

    def __init__(self, s: Session, colors: dict[str, str], report: ZoteroImportReport) -> None:
        self.s, self.colors, self.report = s, colors, report
        self.tags: dict[str, int] = {}
        self.lists: dict[str, int] = {}

    def tag(self, pid: int, name: str) -> None:
        name = " ".join(name.replace(",", " ").split())[:100]
        if not name:
            return
        tid = self.tags.get(name.casefold())
        if tid is None:
            tag = self.s.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
            if tag is None:
                tag = Tag(name=name, color=(self.colors.get(name) or "").lower() or None)
                self.s.add(tag)
                self.s.flush()
                self.report.tags += 1
            elif tag.color is None and self.colors.get(name):
                tag.color = self.colors[name].lower()
            tid = self.tags[name.casefold()] = tag.id
        self.s.execute(
            text("INSERT OR IGNORE INTO paper_tags(paper_id, tag_id) VALUES (:p, :t)"), {"p": pid, "t": tid}
        )

    def add_to_list(self, pid: int, path: str) -> None:
        lid = self.lists.get(path.casefold())
        if lid is None:
            rl = self.s.execute(select(ReadingList).where(ReadingList.name == path)).scalar_one_or_none()
            if rl is None:
                pos = (
                    self.s.execute(select(func.coalesce(func.max(ReadingList.position), -1))).scalar_one() + 1
                )
                rl = ReadingList(name=path, position=pos)
                self.s.add(rl)
                self.s.flush()
                self.report.lists += 1
            lid = self.lists[path.casefold()] = rl.id
        self.s.execute(
            text(
                "INSERT OR IGNORE INTO list_items(list_id, paper_id, position) VALUES (:l, :p, "
                "(SELECT coalesce(max(position), -1) + 1 FROM list_items WHERE list_id = :l))"
            ),
            {"l": lid, "p": pid},
        )

    def append_body(self, pid: int, html: str) -> None:
        body = note_markdown(html)
        if body:  # in SQL: loading each paper through the ORM cost 7 ms a note
            self.s.execute(
                text(
                    "UPDATE papers SET modified_at = :now, note = CASE WHEN trim(coalesce(note, '')) = '' "
                    "THEN :body ELSE rtrim(note, char(10)) || char(10) || char(10) || :body END WHERE id = :id"
                ),
                {"now": utcnow(), "body": body + "\n", "id": pid},
            )

    def append_note(self, pid: int, note: ZNote, library_id: int) -> bool:
        """A child note appended to its paper's note, once: its import link remembers it."""
        key = _link_key(note.key, library_id)
        if self.s.get(ImportLink, (SOURCE, key)) is not None:
            return False
        self.append_body(pid, note.html)
        self.s.add(ImportLink(source=SOURCE, key=key, kind="note", paper_id=pid))
        self.report.notes += 1
        return True


def _import_batch(
    lib: Library, items: Sequence[ZItem], colors: dict[str, str], report: ZoteroImportReport
) -> set[int]:
    touched: set[int] = set()
    with lib.session() as s:
        keys = [_link_key(it, it.library_id) for it in items]
        linked = _links(s, keys)
        fresh = [it for it, k in zip(items, keys, strict=True) if k not in linked]
        metas = [meta_from_item(it) for it in fresh]
        res = ingest.upsert_papers(s, metas, make_key=lib.make_citekey, fill_only=True) if metas else None
        ids = dict(linked)
        for n, it in enumerate(fresh):
            assert res is not None
            pid = res.ids[n]
            ids[_link_key(it, it.library_id)] = pid
            s.add(ImportLink(source=SOURCE, key=_link_key(it, it.library_id), kind="item", paper_id=pid))
            (report.added if pid in res.new else report.merged).append(pid)
            if metas[n].citekey:
                key = s.execute(select(Paper.citekey).where(Paper.id == pid)).scalar_one()
                if key and key.casefold() != metas[n].citekey.casefold():  # type: ignore[union-attr]
                    from readinglist.services.cited import remember_alias

                    remember_alias(s, pid, metas[n].citekey)
                    report.skipped.append(
                        f"{metas[n].citekey}: the library already calls this paper {key}; "
                        "documents citing the Zotero key are told so by export --aux"
                    )  # fmt: skip
        report.unchanged += [linked[k] for k in keys if k in linked]
        if fresh:
            new_ids = [ids[_link_key(it, it.library_id)] for it in fresh]
            s.execute(update(Paper).where(Paper.id.in_(new_ids)).values(saved=True, dismissed=False))
            touched |= set(new_ids)
        w = _Writer(s, colors, report)
        fresh_keys = {_link_key(it, it.library_id) for it in fresh}
        for it in items:
            pid = ids[_link_key(it, it.library_id)]
            if _link_key(it, it.library_id) in fresh_keys:
                for name, _kind in it.tags:
                    w.tag(pid, name)
                for path in it.collections:
                    w.add_to_list(pid, path)
            for note in it.notes:
                if w.append_note(pid, note, it.library_id):
                    touched.add(pid)
        s.flush()
        fts.refresh_papers(s, touched)
    return touched


def _import_notes(lib: Library, notes: Sequence[ZNote], library_id: int, colors: dict[str, str],
                  report: ZoteroImportReport) -> set[int]:  # fmt: skip
    """Standalone notes: appended to the papers they are related to, else entries of their own."""
    touched: set[int] = set()
    with lib.session() as s:
        w = _Writer(s, colors, report)
        for note in notes:
            key = _link_key(note.key, library_id)
            if s.get(ImportLink, (SOURCE, key)) is not None:
                continue
            targets = list(_links(s, [_link_key(k, library_id) for k in note.related]).values())
            if targets:
                for pid in targets:
                    w.append_body(pid, note.html)
                s.add(ImportLink(source=SOURCE, key=key, kind="note", paper_id=targets[0]))
                report.notes += 1
                touched |= set(targets)
                continue
            now = utcnow()
            paper = Paper(title=note.title or "Untitled note", title_norm="", entry_type="note",
                          note=note_markdown(note.html) + "\n", saved=True, added_at=now, modified_at=now)  # fmt: skip
            s.add(paper)
            s.flush()
            s.add(ImportLink(source=SOURCE, key=key, kind="note", paper_id=paper.id))
            report.notes += 1
            report.added.append(paper.id)
            for name, _kind in note.tags:
                w.tag(paper.id, name)
            for path in note.collections:
                w.add_to_list(paper.id, path)
            touched.add(paper.id)
        s.flush()
        fts.refresh_papers(s, touched)
    return touched


def _attachment_file(att: ZAttachment, data_dir: Path) -> Path | None:
    if att.path.startswith("storage:"):
        return data_dir / "storage" / att.key / att.path[len("storage:") :]
    if att.link_mode == LINK_LINKED_FILE and att.path and not att.path.startswith("attachments:"):
        return Path(att.path)
    return None


def _is_pdf(att: ZAttachment) -> bool:
    return att.content_type == "application/pdf" or att.path.lower().endswith(".pdf")


def _import_files(lib: Library, item: ZItem, pid: int, data_dir: Path, copy_linked: bool,
                  report: ZoteroImportReport) -> None:  # fmt: skip
    from readinglist.errors import PdfError
    from readinglist.services.attachments import attach_file, current_attachment

    label = meta_label(item)
    attached = False
    for att in (a for a in item.attachments if _is_pdf(a) and a.link_mode != LINK_LINKED_URL):
        link = _link_key(att.key, item.library_id)
        with lib.session() as s:
            done = s.get(ImportLink, (SOURCE, link)) is not None
        path = _attachment_file(att, data_dir)
        if not done:
            if attached:
                report.skipped.append(
                    f"{label}: a further PDF ({att.title or att.key}) was left out; a paper keeps one PDF"
                    + _lost(att)
                )
                continue
            if path is None:
                report.skipped.append(
                    f"{label}: {att.path} is relative to Zotero's linked-file base folder; copy it in by hand"
                    + _lost(att)
                )
                continue
            if att.link_mode == LINK_LINKED_FILE and not copy_linked:
                report.skipped.append(f"{label}: linked file {path} left where it is" + _lost(att))
                continue
            if not path.is_file():
                report.skipped.append(f"{label}: the PDF {path} is missing" + _lost(att))
                continue
            current = current_attachment(lib, pid)
            try:
                if current is None:
                    attach_file(lib, pid, path, source=str(path))
                    report.pdfs += 1
                else:
                    report.skipped.append(
                        f"{label}: kept the PDF the library already had; Zotero's annotations are placed on it"
                    )
            except PdfError as exc:
                report.skipped.append(f"{label}: {exc}")
                continue
            with lib.session() as s:
                s.add(ImportLink(source=SOURCE, key=link, kind="attachment", paper_id=pid))
        attached = True
        report.annotations += _import_annotations(lib, pid, att, label, report)


def _lost(att: ZAttachment) -> str:
    n = len(att.annotations)
    return f"; its {n} annotation{'s' if n != 1 else ''} need the PDF and did not come" if n else ""


def meta_label(item: ZItem) -> str:
    title = item.fields.get("title", "") or item.key
    return title if len(title) <= 60 else title[:59] + "…"


def _import_annotations(
    lib: Library, pid: int, att: ZAttachment, label: str, report: ZoteroImportReport
) -> int:
    import pymupdf

    from readinglist.services.annotations import PYMUPDF_LOCK, import_annotation_records
    from readinglist.services.attachments import current_attachment
    from readinglist.zotero.convert import annotation_record

    if not att.annotations:
        return 0
    current = current_attachment(lib, pid)
    if current is None:
        report.skipped.append(f"{label}: {len(att.annotations)} annotations need the PDF, which did not come")
        return 0
    with PYMUPDF_LOCK, pymupdf.open(current.path) as doc:
        matrices = [page.transformation_matrix for page in doc]

    def to_page(page: int, x: float, y: float) -> tuple[float, float]:
        p = pymupdf.Point(x, y) * matrices[min(page, len(matrices) - 1)]
        return (round(p.x, 2), round(p.y, 2))

    records = []
    for a in att.annotations:
        rec = annotation_record(a, to_page) if a.position.get("pageIndex", 10**9) < len(matrices) else None  # type: ignore[operator]
        if rec is None:
            report.skipped.append(f"{label}: a {a.type} annotation ({a.key}) has no usable position")
        else:
            records.append(rec)
    return import_annotation_records(lib, pid, records)


def import_zotero(
    lib: Library,
    source: Path,
    *,
    copy_linked: bool = True,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ZoteroImportReport:
    """Import the Zotero data folder ``source`` (or its ``zotero.sqlite``); see the module docstring."""
    zl = read_library(Path(source))
    report = ZoteroImportReport(trashed=zl.trashed)
    total = len(zl.items) * 2 + 1
    done = 0

    def step(n: int, what: str) -> None:
        nonlocal done
        done += n
        if progress:
            progress(Progress(done, total, what))
        if cancelled is not None and cancelled():
            raise Cancelled(f"Zotero import stopped after {done} of {total} steps; what came so far is kept")

    touched: set[int] = set()
    for i in range(0, len(zl.items), BATCH):
        batch = zl.items[i : i + BATCH]
        touched |= _import_batch(lib, batch, zl.tag_colors, report)
        step(len(batch), f"Zotero: {min(i + BATCH, len(zl.items))} of {len(zl.items)} items")
    libraries = sorted({it.library_id for it in zl.items}) or [1]
    touched |= _import_notes(lib, zl.standalone_notes, libraries[0], zl.tag_colors, report)
    lib._notify(Changes(papers=frozenset(touched), tags=True, lists=True))
    step(1, "Zotero: notes")
    with lib.session() as s:
        ids = _links(s, [_link_key(it, it.library_id) for it in zl.items])
    for n, it in enumerate(zl.items, 1):
        pid = ids.get(_link_key(it, it.library_id))
        if pid is not None and it.attachments:
            try:
                _import_files(lib, it, pid, zl.data_dir, copy_linked, report)
            except ReadingListError as exc:
                report.skipped.append(f"{meta_label(it)}: {exc}")
        step(1, f"Zotero: files of {n} of {len(zl.items)} items")
    for att in zl.standalone_attachments:
        report.skipped.append(
            f"a standalone attachment ({att.title or att.key}) belongs to no item; left out"
        )
    report.unchanged = sorted(set(report.unchanged))
    json.dumps(report.to_json())  # the report must always serialise for --format json
    return report
