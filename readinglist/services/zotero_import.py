"""Import a Zotero library: items, collections as reading lists, tags with colours, notes, PDFs
and Zotero 7 annotations. Duplicates merge with the library (arXiv id, DOI, title); what came
once is remembered in ``import_links``, so importing again changes nothing.

The database side runs one transaction per batch of items; PDFs are copied in after, each on
its own, so a missing or broken file costs only that file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from readinglist.db.schema import ImportLink, Paper, ReadingList, Tag, utcnow
from readinglist.errors import Cancelled, ReadingListError
from readinglist.records import Progress
from readinglist.services import ingest
from readinglist.services.library import Library
from readinglist.services.papers import keep
from readinglist.services.unit import Transaction
from readinglist.zotero.convert import meta_from_item, note_markdown
from readinglist.zotero.reader import (
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


def meta_label(item: ZItem) -> str:
    title = item.fields.get("title", "") or item.key
    return title if len(title) <= 60 else title[:59] + "…"


def link_key(item_or_key: ZItem | str, library_id: int) -> str:
    return f"{library_id}/{item_or_key if isinstance(item_or_key, str) else item_or_key.key}"


def links(s: Session, keys: Sequence[str]) -> dict[str, int]:
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

    def __init__(self, tx: Transaction, colors: dict[str, str], report: ZoteroImportReport) -> None:
        self.tx, self.s, self.colors, self.report = tx, tx.session, colors, report
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
                self.tx.created("tags", [tag.id])
                self.report.tags += 1
            elif tag.color is None and self.colors.get(name):
                self.tx.capture("tags", [tag.id])
                tag.color = self.colors[name].lower()
            tid = self.tags[name.casefold()] = tag.id
        self.s.execute(
            text("INSERT INTO paper_tags(paper_id, tag_id) VALUES (:p, :t) ON CONFLICT DO NOTHING"),
            {"p": pid, "t": tid},
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
                self.tx.created("reading_lists", [rl.id])
                self.report.lists += 1
            lid = self.lists[path.casefold()] = rl.id
        self.s.execute(
            text(
                "INSERT INTO list_items(list_id, paper_id, position) VALUES (:l, :p, "
                "(SELECT coalesce(max(position), -1) + 1 FROM list_items WHERE list_id = :l)) "
                "ON CONFLICT DO NOTHING"
            ),
            {"l": lid, "p": pid},
        )

    def append_body(self, pid: int, html: str) -> None:
        body = note_markdown(html)
        if body:  # in SQL: loading each paper through the ORM cost 7 ms a note
            self.s.execute(
                text(
                    "UPDATE papers SET modified_at = :now, note_author = :who, note = CASE WHEN trim(coalesce(note, '')) = '' "
                    "THEN :body ELSE rtrim(note, :nl) || :nl || :nl || :body END WHERE id = :id"
                ),
                {"now": utcnow(), "body": body + "\n", "id": pid, "nl": "\n", "who": self.tx.member},
            )

    def append_note(self, pid: int, note: ZNote, library_id: int) -> bool:
        """A child note appended to its paper's note, once: its import link remembers it."""
        key = link_key(note.key, library_id)
        if self.s.get(ImportLink, (SOURCE, key)) is not None:
            return False
        self.append_body(pid, note.html)
        self.link(key, "note", pid)
        self.report.notes += 1
        return True

    def link(self, key: str, kind: str, pid: int) -> None:
        """Remember a Zotero record as brought in (undo forgets it again)."""
        self.s.add(ImportLink(source=SOURCE, key=key, kind=kind, paper_id=pid))
        self.s.flush()
        self.tx.created("import_links", [key], by="key")


def _import_batch(
    lib: Library, items: Sequence[ZItem], colors: dict[str, str], report: ZoteroImportReport, coalesce: str
) -> None:
    """One change for a batch of items: papers (merged or new), their tags, lists and notes."""
    with lib.change("Import from Zotero", coalesce=coalesce) as tx:
        s = tx.session
        keys = [link_key(it, it.library_id) for it in items]
        linked = links(s, keys)
        fresh = [it for it, k in zip(items, keys, strict=True) if k not in linked]
        metas = [meta_from_item(it) for it in fresh]
        res = ingest.upsert_papers(tx, metas, make_key=lib.make_citekey, fill_only=True) if metas else None
        ids = dict(linked)
        w = _Writer(tx, colors, report)
        for n, it in enumerate(fresh):
            assert res is not None
            pid = res.ids[n]
            ids[link_key(it, it.library_id)] = pid
            w.link(link_key(it, it.library_id), "item", pid)
            (report.added if pid in res.new else report.merged).append(pid)
            wanted = metas[n].citekey
            if wanted:
                key = s.execute(select(Paper.citekey).where(Paper.id == pid)).scalar_one()
                if key and key.casefold() != wanted.casefold():
                    from readinglist.services.cited import remember_alias

                    remember_alias(tx, pid, wanted)
                    report.skipped.append(
                        f"{wanted}: the library already calls this paper {key}; "
                        "documents citing the Zotero key are told so by export --aux"
                    )  # fmt: skip
        report.unchanged += [linked[k] for k in keys if k in linked]
        old = sorted({pid for pid in ids.values() if res is None or pid not in res.new})
        tx.capture_papers(old, children=("paper_tags", "list_items"))
        if fresh:
            keep(tx, [ids[link_key(it, it.library_id)] for it in fresh])
        fresh_keys = {link_key(it, it.library_id) for it in fresh}
        for it in items:
            pid = ids[link_key(it, it.library_id)]
            if link_key(it, it.library_id) in fresh_keys:
                for name, _kind in it.tags:
                    w.tag(pid, name)
                for path in it.collections:
                    w.add_to_list(pid, path)
            for note in it.notes:
                w.append_note(pid, note, it.library_id)
        tx.touched(papers=ids.values(), tags=True, lists=True)


def _import_notes(lib: Library, notes: Sequence[ZNote], library_id: int, colors: dict[str, str],
                  report: ZoteroImportReport, coalesce: str) -> None:  # fmt: skip
    """Standalone notes: appended to the papers they are related to, else entries of their own."""
    with lib.change("Import from Zotero", coalesce=coalesce) as tx:
        s = tx.session
        w = _Writer(tx, colors, report)
        for note in notes:
            key = link_key(note.key, library_id)
            if s.get(ImportLink, (SOURCE, key)) is not None:
                continue
            targets = list(links(s, [link_key(k, library_id) for k in note.related]).values())
            if targets:
                tx.capture_papers(targets)
                for pid in targets:
                    w.append_body(pid, note.html)
                w.link(key, "note", targets[0])
                report.notes += 1
                continue
            now = utcnow()
            paper = Paper(title=note.title or "Untitled note", title_norm="", entry_type="note",
                          note=note_markdown(note.html) + "\n", note_author=tx.member, saved=True, added_at=now, modified_at=now)  # fmt: skip
            s.add(paper)
            s.flush()
            tx.created_papers([paper.id])
            w.link(key, "note", paper.id)
            report.notes += 1
            report.added.append(paper.id)
            for name, _kind in note.tags:
                w.tag(paper.id, name)
            for path in note.collections:
                w.add_to_list(paper.id, path)
        tx.touched(tags=True, lists=True)


def import_zotero(
    lib: Library,
    source: Path,
    *,
    copy_linked: bool = True,
    base_dir: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ZoteroImportReport:
    """Import the Zotero data folder ``source`` (or its ``zotero.sqlite``); see the module docstring.

    ``base_dir`` is Zotero's linked-attachment base folder (default: the one its profile names).
    """
    from readinglist.services.zotero_files import import_files
    from readinglist.zotero.locate import base_attachment_dir

    zl = read_library(Path(source))
    base_dir = base_dir or base_attachment_dir()
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

    # Every step of one import shares a coalesce key, so undo takes back the import as one step
    # (as long as its steps follow each other within the history's coalescing window).
    coalesce = f"zotero-import:{uuid.uuid4().hex}"
    for i in range(0, len(zl.items), BATCH):
        batch = zl.items[i : i + BATCH]
        _import_batch(lib, batch, zl.tag_colors, report, coalesce)
        step(len(batch), f"Zotero: {min(i + BATCH, len(zl.items))} of {len(zl.items)} items")
    libraries = sorted({it.library_id for it in zl.items}) or [1]
    _import_notes(lib, zl.standalone_notes, libraries[0], zl.tag_colors, report, coalesce)
    step(1, "Zotero: notes")
    with lib.read() as s:
        ids = links(s, [link_key(it, it.library_id) for it in zl.items])
    for n, it in enumerate(zl.items, 1):
        pid = ids.get(link_key(it, it.library_id))
        if pid is not None and it.attachments:
            try:
                import_files(
                    lib,
                    it,
                    pid,
                    zl.data_dir,
                    copy_linked=copy_linked,
                    report=report,
                    coalesce=coalesce,
                    base_dir=base_dir,
                )
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
