"""Read a Zotero 7 database into plain records, looking item types and fields up by name.

``zotero.sqlite`` is opened read-only; when Zotero holds it locked (it runs with an exclusive
lock) a copy is read instead. Type and field ids differ between databases upgraded from older
versions, so nothing here relies on an id.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readinglist.errors import ReadingListError

LINK_IMPORTED_FILE, LINK_IMPORTED_URL, LINK_LINKED_FILE, LINK_LINKED_URL = 0, 1, 2, 3
ANNOTATION_TYPES = {1: "highlight", 2: "note", 3: "image", 4: "ink", 5: "underline", 6: "text"}
NOT_REGULAR = frozenset({"note", "attachment", "annotation"})


@dataclass
class ZAnnotation:
    key: str
    type: str  # highlight | note | image | ink | underline | text
    text: str
    comment: str
    color: str
    page_label: str
    position: dict[str, object]
    tags: list[str] = field(default_factory=list)
    date_added: str = ""


@dataclass
class ZAttachment:
    key: str
    link_mode: int
    content_type: str
    path: str  # "storage:name.pdf", an absolute path, or "attachments:relative/path"
    title: str = ""
    annotations: list[ZAnnotation] = field(default_factory=list)


@dataclass
class ZNote:
    key: str
    html: str
    title: str
    parent_key: str | None
    related: list[str] = field(default_factory=list)  # keys of related items
    collections: list[str] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class ZItem:
    key: str
    library_id: int
    type: str
    fields: dict[str, str]  # by field name, and also by base field name (publisher, number, ...)
    creators: list[tuple[str, str, bool]]  # (display name, role, primary role of the type)
    tags: list[tuple[str, int]]  # (name, 0 manual | 1 automatic)
    collections: list[str]  # "Parent/Child" paths
    notes: list[ZNote] = field(default_factory=list)
    attachments: list[ZAttachment] = field(default_factory=list)


@dataclass
class ZoteroLibrary:
    items: list[ZItem]
    standalone_notes: list[ZNote]
    collections: list[str]
    tag_colors: dict[str, str]
    trashed: int  # items in the trash, not imported
    data_dir: Path
    standalone_attachments: list[ZAttachment] = field(default_factory=list)


@contextlib.contextmanager
def open_readonly(db: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection, or one to a temporary copy when Zotero has the file locked."""
    if not db.is_file():
        raise ReadingListError(f"{db} does not exist: point to a Zotero data folder (with zotero.sqlite)")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    try:
        try:
            con.execute("SELECT count(*) FROM items").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise ReadingListError(f"{db} is not a Zotero database I can read: {exc}") from exc
            con.close()
            tmp = tempfile.TemporaryDirectory(prefix="readinglist-zotero-")
            copy = Path(tmp.name) / "zotero.sqlite"
            shutil.copy2(db, copy)  # a plain copy works where SQLite's lock refuses readers
            con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        except sqlite3.DatabaseError as exc:
            raise ReadingListError(f"{db} is not a Zotero database (or it is damaged): {exc}") from exc
        yield con
    finally:
        con.close()
        if tmp is not None:
            tmp.cleanup()


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _names(con: sqlite3.Connection, combined: str, plain: str, id_col: str, name_col: str) -> dict[int, str]:
    table = combined if _has_table(con, combined) else plain
    return {i: n for i, n in con.execute(f"SELECT {id_col}, {name_col} FROM {table}")}


def _collection_paths(con: sqlite3.Connection) -> dict[int, str]:
    rows: dict[int, tuple[str, int | None]] = {cid: (name, parent) for cid, name, parent in con.execute(
        "SELECT collectionID, collectionName, parentCollectionID FROM collections "
        "WHERE collectionID NOT IN (SELECT collectionID FROM deletedCollections)")}  # fmt: skip
    paths: dict[int, str] = {}

    def path(cid: int, seen: frozenset[int] = frozenset()) -> str:
        name, parent = rows[cid]
        name = name.replace("/", "∕")  # a slash inside a name must not read as nesting
        if parent in rows and parent not in seen:
            return path(parent, seen | {cid}) + "/" + name
        return name

    for cid in rows:
        paths[cid] = path(cid)
    return paths


def read_library(data_dir: Path) -> ZoteroLibrary:
    """Everything readinglist imports from a Zotero data folder (or a path to zotero.sqlite)."""
    data_dir = Path(data_dir).expanduser()
    db = data_dir if data_dir.suffix == ".sqlite" else data_dir / "zotero.sqlite"
    with open_readonly(db) as con:
        try:
            return _read(con, db.parent)
        except sqlite3.DatabaseError as exc:
            raise ReadingListError(f"{db} does not look like a Zotero 7 database: {exc}") from exc


def _read(con: sqlite3.Connection, data_dir: Path) -> ZoteroLibrary:
    types = _names(con, "itemTypesCombined", "itemTypes", "itemTypeID", "typeName")
    fields = _names(con, "fieldsCombined", "fields", "fieldID", "fieldName")
    creator_types = {i: n for i, n in con.execute("SELECT creatorTypeID, creatorType FROM creatorTypes")}
    bases = (
        "baseFieldMappingsCombined" if _has_table(con, "baseFieldMappingsCombined") else "baseFieldMappings"
    )
    base_of = {(t, f): b for t, b, f in con.execute(f"SELECT itemTypeID, baseFieldID, fieldID FROM {bases}")}
    primary = {(t, c) for t, c in con.execute(
        "SELECT itemTypeID, creatorTypeID FROM itemTypeCreatorTypes WHERE primaryField = 1")}  # fmt: skip
    trashed = {i for (i,) in con.execute("SELECT itemID FROM deletedItems")}
    feed = (
        {i for (i,) in con.execute("SELECT itemID FROM feedItems")} if _has_table(con, "feedItems") else set()
    )
    rows = con.execute("SELECT itemID, itemTypeID, key, libraryID FROM items ORDER BY itemID").fetchall()
    key_of = {iid: key for iid, _t, key, _l in rows}
    type_of = {iid: types.get(t, "") for iid, t, _k, _l in rows}
    live = {iid for iid, *_ in rows if iid not in trashed and iid not in feed}

    item_type_id = {iid: t for iid, t, _k, _l in rows}
    data: dict[int, dict[str, str]] = {}
    for iid, fid, value in con.execute(
        "SELECT d.itemID, d.fieldID, v.value FROM itemData d JOIN itemDataValues v ON v.valueID = d.valueID"
    ):
        if iid not in live:
            continue
        values = data.setdefault(iid, {})
        values[fields.get(fid, "")] = str(value)
        base = base_of.get((item_type_id[iid], fid))  # e.g. a preprint's repository is its publisher
        if base is not None and fields.get(base):
            values.setdefault(fields[base], str(value))

    creators: dict[int, list[tuple[str, str, bool]]] = {}
    for iid, first, last, mode, ctype in con.execute(
        "SELECT ic.itemID, c.firstName, c.lastName, c.fieldMode, ic.creatorTypeID FROM itemCreators ic "
        "JOIN creators c ON c.creatorID = ic.creatorID ORDER BY ic.itemID, ic.orderIndex"
    ):
        name = (last or "") if mode == 1 else " ".join(p for p in (first, last) if p)
        creators.setdefault(iid, []).append(
            (name.strip(), creator_types.get(ctype, ""), (item_type_id[iid], ctype) in primary)
        )

    tags: dict[int, list[tuple[str, int]]] = {}
    for iid, name, ttype in con.execute(
        "SELECT it.itemID, t.name, it.type FROM itemTags it JOIN tags t ON t.tagID = it.tagID ORDER BY t.name"
    ):
        tags.setdefault(iid, []).append((name, int(ttype or 0)))

    paths = _collection_paths(con)
    in_collections: dict[int, list[str]] = {}
    for cid, iid in con.execute("SELECT collectionID, itemID FROM collectionItems ORDER BY orderIndex"):
        if cid in paths:
            in_collections.setdefault(iid, []).append(paths[cid])

    related: dict[int, list[str]] = {}
    if _has_table(con, "relationPredicates"):
        for iid, obj in con.execute(
            "SELECT r.itemID, r.object FROM itemRelations r JOIN relationPredicates p "
            "ON p.predicateID = r.predicateID WHERE p.predicate = 'dc:relation'"
        ):
            related.setdefault(iid, []).append(str(obj).rsplit("/", 1)[-1])

    items: dict[int, ZItem] = {}
    for iid, _t, key, lib_id in rows:
        if iid in live and type_of[iid] not in NOT_REGULAR:
            items[iid] = ZItem(key, lib_id, type_of[iid], data.get(iid, {}), creators.get(iid, []),
                               tags.get(iid, []), in_collections.get(iid, []))  # fmt: skip

    notes: list[ZNote] = []
    for iid, parent, html, title in con.execute("SELECT itemID, parentItemID, note, title FROM itemNotes"):
        if iid not in live or (parent is not None and parent not in items):
            continue
        note = ZNote(key_of[iid], html or "", title or "", key_of.get(parent) if parent else None,
                     related.get(iid, []), in_collections.get(iid, []), tags.get(iid, []))  # fmt: skip
        (items[parent].notes.append(note) if parent is not None else notes.append(note))

    annotations: dict[int, list[ZAnnotation]] = {}
    if _has_table(con, "itemAnnotations"):
        for iid, parent, atype, text, comment, color, label, position, added in con.execute(
            "SELECT a.itemID, a.parentItemID, a.type, a.text, a.comment, a.color, a.pageLabel, a.position, "
            "i.dateAdded FROM itemAnnotations a JOIN items i ON i.itemID = a.itemID ORDER BY a.sortIndex"
        ):
            if iid not in live:
                continue
            try:
                pos = json.loads(position or "{}")
            except json.JSONDecodeError:
                pos = {}
            annotations.setdefault(parent, []).append(ZAnnotation(
                key_of[iid], ANNOTATION_TYPES.get(int(atype), "unknown"), text or "", comment or "",
                color or "#ffd400", label or "", pos if isinstance(pos, dict) else {},
                [n for n, _ in tags.get(iid, [])], str(added or ""),
            ))  # fmt: skip

    loose: list[ZAttachment] = []
    for iid, parent, mode, ctype, path in con.execute(
        "SELECT itemID, parentItemID, linkMode, contentType, path FROM itemAttachments ORDER BY itemID"
    ):
        if iid not in live:
            continue
        att = ZAttachment(key_of[iid], int(mode if mode is not None else -1), ctype or "", path or "",
                          data.get(iid, {}).get("title", ""), annotations.get(iid, []))  # fmt: skip
        if parent in items:
            items[parent].attachments.append(att)
        elif parent is None:
            loose.append(att)

    colors: dict[str, str] = {}
    if _has_table(con, "syncedSettings"):
        for (value,) in con.execute("SELECT value FROM syncedSettings WHERE setting = 'tagColors'"):
            try:
                for entry in json.loads(value):
                    colors.setdefault(str(entry["name"]), str(entry["color"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return ZoteroLibrary(
        items=list(items.values()),
        standalone_notes=notes,
        collections=sorted(set(paths.values())),
        tag_colors=colors,
        trashed=len({i for i in trashed if type_of.get(i) not in ("annotation",)}),
        data_dir=data_dir,
        standalone_attachments=loose,
    )
