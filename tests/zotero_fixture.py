"""Builds a real Zotero 7 data folder for tests: ``zotero.sqlite`` from Zotero's own schema files
(tests/fixtures/zotero: userdata.sql, system.sql and the item types of the global schema) and
``storage/`` with PDFs made by PyMuPDF.

Type, field and creator-type ids are deliberately not Zotero's (they start at odd offsets and run
backwards), so an importer that relies on ids instead of names fails here.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from tests.pdfgen import make_paper_pdf

SCHEMA = Path(__file__).parent / "fixtures" / "zotero"
LIB = 1
PAGE_HEIGHT = 792.0  # pdfgen writes US Letter pages


@dataclass
class Built:
    """The folder and what a test checks against."""

    data_dir: Path
    keys: dict[str, str] = field(default_factory=dict)  # role -> Zotero item key
    linked_pdf: Path | None = None
    base_dir: Path | None = None


class _Db:
    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)
        self.con.executescript((SCHEMA / "userdata.sql").read_text(encoding="utf-8"))
        self.con.executescript((SCHEMA / "system.sql").read_text(encoding="utf-8"))
        schema = json.loads((SCHEMA / "schema-itemtypes.json").read_text(encoding="utf-8"))
        self.types: dict[str, int] = {}
        self.fields: dict[str, int] = {}
        self.creator_types: dict[str, int] = {}
        self._n = 0
        for n, t in enumerate(reversed(schema["itemTypes"])):
            tid = 300 + 7 * n
            self.types[t["itemType"]] = tid
            self.con.execute("INSERT INTO itemTypes VALUES (?, ?, NULL, 1)", (tid, t["itemType"]))
            self.con.execute("INSERT INTO itemTypesCombined VALUES (?, ?, 1, 0)", (tid, t["itemType"]))
            for order, f in enumerate(t["fields"]):
                fid = self._field(f["field"])
                self.con.execute("INSERT INTO itemTypeFields VALUES (?, ?, NULL, ?)", (tid, fid, order))
                self.con.execute(
                    "INSERT INTO itemTypeFieldsCombined VALUES (?, ?, NULL, ?)", (tid, fid, order)
                )
                if "baseField" in f:
                    base = self._field(f["baseField"])
                    self.con.execute("INSERT INTO baseFieldMappings VALUES (?, ?, ?)", (tid, base, fid))
                    self.con.execute(
                        "INSERT INTO baseFieldMappingsCombined VALUES (?, ?, ?)", (tid, base, fid)
                    )
            for c in t.get("creatorTypes", []):
                cid = self.creator_types.get(c["creatorType"])
                if cid is None:
                    cid = self.creator_types[c["creatorType"]] = 900 - len(self.creator_types)
                    self.con.execute("INSERT INTO creatorTypes VALUES (?, ?)", (cid, c["creatorType"]))
                self.con.execute(
                    "INSERT INTO itemTypeCreatorTypes VALUES (?, ?, ?)",
                    (tid, cid, int(bool(c.get("primary")))),
                )
        self.con.execute(
            "INSERT INTO libraries (libraryID, type, editable, filesEditable) VALUES (1, 'user', 1, 1)"
        )
        self.con.execute("INSERT INTO relationPredicates VALUES (1, 'dc:relation')")

    def _field(self, name: str) -> int:
        if name not in self.fields:
            fid = self.fields[name] = 2000 - 3 * len(self.fields)
            self.con.execute("INSERT INTO fields VALUES (?, ?, NULL)", (fid, name))
            self.con.execute("INSERT INTO fieldsCombined VALUES (?, ?, ?, NULL, 0)", (fid, name, name))
        return self.fields[name]

    def item(
        self, itype: str, key: str, fields: dict[str, str] | None = None, added: str = "2025-01-02 10:00:00"
    ) -> int:
        self._n += 1
        iid = 50 + self._n * 3
        self.con.execute(
            "INSERT INTO items (itemID, itemTypeID, dateAdded, dateModified, clientDateModified, libraryID, key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (iid, self.types[itype], added, added, added, LIB, key),
        )
        for name, value in (fields or {}).items():
            row = self.con.execute("SELECT valueID FROM itemDataValues WHERE value = ?", (value,)).fetchone()
            vid = (
                row[0]
                if row
                else self.con.execute("INSERT INTO itemDataValues (value) VALUES (?)", (value,)).lastrowid
            )
            self.con.execute("INSERT INTO itemData VALUES (?, ?, ?)", (iid, self.fields[name], vid))
        return iid

    def creators(self, iid: int, names: list[tuple[str, str, str, int]]) -> None:
        for order, (first, last, role, mode) in enumerate(names):
            row = self.con.execute(
                "SELECT creatorID FROM creators WHERE firstName = ? AND lastName = ? AND fieldMode = ?",
                (first, last, mode),
            ).fetchone()
            cid = (
                row[0]
                if row
                else self.con.execute(
                    "INSERT INTO creators (firstName, lastName, fieldMode) VALUES (?, ?, ?)",
                    (first, last, mode),
                ).lastrowid
            )
            self.con.execute(
                "INSERT INTO itemCreators VALUES (?, ?, ?, ?)", (iid, cid, self.creator_types[role], order)
            )

    def tag(self, iid: int, name: str, kind: int = 0) -> None:
        row = self.con.execute("SELECT tagID FROM tags WHERE name = ?", (name,)).fetchone()
        tid = row[0] if row else self.con.execute("INSERT INTO tags (name) VALUES (?)", (name,)).lastrowid
        self.con.execute("INSERT INTO itemTags VALUES (?, ?, ?)", (iid, tid, kind))

    def collection(self, name: str, key: str, parent: int | None = None) -> int:
        return int(self.con.execute(
            "INSERT INTO collections (collectionName, parentCollectionID, libraryID, key) VALUES (?, ?, ?, ?)",
            (name, parent, LIB, key),
        ).lastrowid)  # fmt: skip

    def into(self, cid: int, iid: int) -> None:
        self.con.execute("INSERT INTO collectionItems VALUES (?, ?, 0)", (cid, iid))

    def note(self, key: str, html: str, title: str, parent: int | None) -> int:
        iid = self.item("note", key)
        self.con.execute("INSERT INTO itemNotes VALUES (?, ?, ?, ?)", (iid, parent, html, title))
        return iid

    def attachment(
        self, key: str, parent: int | None, mode: int, path: str, title: str = "Full Text PDF"
    ) -> int:
        iid = self.item("attachment", key, {"title": title})
        self.con.execute(
            "INSERT INTO itemAttachments (itemID, parentItemID, linkMode, contentType, path) VALUES (?, ?, ?, ?, ?)",
            (iid, parent, mode, "application/pdf", path),
        )
        return iid

    def annotation(self, key: str, parent: int, atype: int, position: dict, *, text: str = "", comment: str = "",
                   color: str = "#ffd400", page_label: str = "1", sort: str = "00000|000000|00000") -> int:  # fmt: skip
        iid = self.item("annotation", key)
        self.con.execute(
            "INSERT INTO itemAnnotations (itemID, parentItemID, type, text, comment, color, pageLabel, sortIndex, "
            "position, isExternal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (iid, parent, atype, text, comment, color, page_label, sort, json.dumps(position)),
        )
        return iid


def build_zotero(root: Path, *, duplicate_doi: str = "10.5555/dup.2020") -> Built:
    """A Zotero data folder under ``root`` with everything the import must carry (see the checks)."""
    data = root / "Zotero"
    (data / "storage").mkdir(parents=True)
    db = _Db(data / "zotero.sqlite")
    built = Built(data)
    thesis = db.collection("Thesis", "COLLTHES")
    chapter = db.collection("Chapter 2", "COLLCH02", thesis)

    # 1. an arXiv preprint with a BBT-pinned key, tags, a child note, a PDF and every annotation type
    k = built.keys["preprint"] = "PREPRNT1"
    pre = db.item("preprint", k, {
        "title": "Jina CLIP: Your CLIP Model Is Also Your Text Retriever", "abstractNote": "Contrastive retrieval.",
        "repository": "arXiv", "archiveID": "arXiv:2405.20204", "date": "2024-05-30 2024-05-30",
        "DOI": "10.48550/arXiv.2405.20204", "url": "https://arxiv.org/abs/2405.20204",
        "extra": "Citation Key: brandt2024jinaclip\narXiv: 2405.20204",
    })  # fmt: skip
    db.creators(pre, [("Ilse", "Brandt", "author", 0), ("Greta", "Günther", "author", 0),
                      ("", "OpenAI", "author", 1), ("Ed", "Itor", "editor", 0)])  # fmt: skip
    db.tag(pre, "retrieval", 0)
    db.tag(pre, "Computer Science - Computation and Language", 1)
    db.into(chapter, pre)
    db.note("NOTECHLD", '<div data-schema-version="9"><h1>Reading notes</h1><p>The <strong>key</strong> idea:</p>'
            "<ul><li>one encoder</li><li>two tasks</li></ul></div>", "Reading notes", pre)  # fmt: skip
    att = db.attachment("ATTPDF01", pre, 0, "storage:brandt.pdf")
    make_paper_pdf(
        data / "storage" / "ATTPDF01" / "brandt.pdf", title="Jina CLIP", authors=["Ilse Brandt"], pages=2
    )
    h = PAGE_HEIGHT
    db.annotation("ANNHIGH1", att, 1, {"pageIndex": 0, "rects": [[72, h - 120, 300, h - 106]]},
                  text="Your CLIP model", comment="central claim", color="#2ea8e5")  # fmt: skip
    db.annotation("ANNUNDR1", att, 5, {"pageIndex": 0, "rects": [[72, h - 150, 250, h - 138], [72, h - 164, 200, h - 152]]},
                  text="two lines underlined", color="#ff6666")  # fmt: skip
    db.annotation(
        "ANNNOTE1",
        att,
        2,
        {"pageIndex": 1, "rects": [[400, h - 100, 422, h - 78]]},
        comment="Check this proof",
    )
    db.annotation(
        "ANNIMAG1",
        att,
        3,
        {"pageIndex": 1, "rects": [[100, h - 400, 300, h - 250]]},
        comment="Figure 2",
        color="#5fb236",
    )
    db.annotation("ANNINK01", att, 4, {"pageIndex": 0, "width": 2, "paths": [[100, h - 500, 150, h - 520, 200, h - 510]]},
                  color="#a28ae5")  # fmt: skip
    text_ann = db.annotation("ANNTEXT1", att, 6, {"pageIndex": 1, "fontSize": 12, "rotation": 0,
                                                   "rects": [[300, h - 700, 420, h - 680]]}, comment="margin remark")  # fmt: skip
    db.tag(text_ann, "todo", 0)

    # 2. a published article whose PDF is a linked file outside Zotero's storage
    k = built.keys["article"] = "ARTICLE1"
    art = db.item("journalArticle", k, {
        "title": "Some Published Thing", "publicationTitle": "Journal of Things", "volume": "12", "issue": "3",
        "pages": "1-10", "date": "2023-04-00 April 2023", "DOI": "10.1000/xyz", "extra": "Citation Key: martinez2023some",
    })  # fmt: skip
    db.creators(art, [("Pablo", "Martínez", "author", 0), ("Ludwig", "van Beethoven", "author", 0)])
    db.tag(art, "retrieval", 0)
    db.into(thesis, art)
    built.linked_pdf = make_paper_pdf(root / "elsewhere" / "martinez.pdf", title="Some Published Thing",
                                      authors=["Pablo Martínez"], pages=1)  # fmt: skip
    db.attachment("ATTLINK1", art, 2, str(built.linked_pdf))

    # 3. a conference paper whose imported PDF is missing from storage/
    k = built.keys["missing"] = "CONFMISS"
    conf = db.item("conferencePaper", k, {"title": "A Conference Paper With a Lost PDF", "proceedingsTitle":
                                          "Proceedings of Things", "date": "2022", "publisher": "ACM"})  # fmt: skip
    db.creators(conf, [("Jane", "Doe", "author", 0)])
    db.attachment("ATTMISS1", conf, 0, "storage:lost.pdf")

    # 3b. a report whose PDF is linked relative to Zotero's "Linked Attachment Base Directory"
    k = built.keys["based"] = "REPBASE1"
    rep = db.item("report", k, {"title": "A Report Filed Under the Base Folder", "institution": "Some Lab",
                                 "reportNumber": "TR-7", "date": "2021-11"})  # fmt: skip
    db.creators(rep, [("Kim", "Park", "author", 0)])
    built.base_dir = root / "papers-base"
    make_paper_pdf(built.base_dir / "reports" / "park.pdf", title="A Report", authors=["Kim Park"], pages=1)
    db.attachment("ATTBASE1", rep, 2, "attachments:reports/park.pdf")

    # 4. in the trash: never imported
    k = built.keys["trashed"] = "TRASHED1"
    trash = db.item("journalArticle", k, {"title": "A Paper Thrown Away Long Ago", "DOI": "10.1000/trash"})
    db.con.execute("INSERT INTO deletedItems (itemID) VALUES (?)", (trash,))

    # 5. a duplicate of a paper the library already has (same DOI), with its own pinned key
    k = built.keys["duplicate"] = "DUPLIC01"
    dup = db.item("journalArticle", k, {"title": "A Duplicate Paper Already Here", "DOI": duplicate_doi,
                                         "publicationTitle": "Duplicates Monthly", "date": "2020",
                                         "extra": "Citation Key: zoterodup2020"})  # fmt: skip
    db.creators(dup, [("Ann", "Other", "author", 0)])
    db.tag(dup, "imported-dup", 0)

    # 6. standalone notes: one related to the article, one on its own in a collection
    k = built.keys["note_related"] = "NOTEREL1"
    rel = db.note(
        k, "<p>Compare with the <em>published</em> version.</p>", "Compare with the published version.", None
    )
    db.con.execute(
        "INSERT INTO itemRelations VALUES (?, 1, ?)",
        (rel, f"http://zotero.org/users/local/abcd/items/{built.keys['article']}"),
    )
    k = built.keys["note_alone"] = "NOTEALN1"
    alone = db.note(k, "<h2>Thesis plan</h2><p>Write chapter 2 first.</p>", "Thesis plan", None)
    db.into(thesis, alone)
    db.tag(alone, "planning", 0)

    db.con.execute(
        "INSERT INTO syncedSettings (setting, libraryID, value) VALUES ('tagColors', 1, ?)",
        (json.dumps([{"name": "retrieval", "color": "#FF6666"}, {"name": "planning", "color": "#5FB236"}]),),
    )
    db.con.commit()
    db.con.close()
    return built


def build_many(root: Path, n: int) -> Path:
    """A Zotero data folder with ``n`` generated items (no PDFs) in 20 nested collections, for benchmarks."""
    data = root / "Zotero"
    (data / "storage").mkdir(parents=True)
    db = _Db(data / "zotero.sqlite")
    parents = [db.collection(f"Topic {c}", f"TOPIC{c:03d}") for c in range(5)]
    subs = [db.collection(f"Sub {c}", f"SUBCL{c:03d}", parents[c % 5]) for c in range(15)]
    for i in range(n):
        preprint = i % 3 != 0
        fields = {"title": f"Generated paper number {i} on scaling attention", "date": f"{2015 + i % 10}-03-0{1 + i % 9}",
                  "abstractNote": "An abstract " * 20}  # fmt: skip
        if preprint:
            fields |= {"archiveID": f"arXiv:{15 + i % 10}03.{10000 + i:05d}", "repository": "arXiv"}
        else:
            fields |= {"DOI": f"10.1000/gen.{i}", "publicationTitle": "Journal of Generated Results"}
        iid = db.item("preprint" if preprint else "journalArticle", f"G{i:07d}", fields)
        db.creators(iid, [("Ada", f"Author{i % 97}", "author", 0), ("Bo", f"Writer{i % 53}", "author", 0)])
        db.tag(iid, f"topic-{i % 40}", i % 2)
        db.into(subs[i % 15], iid)
        if i % 4 == 0:
            db.note(f"N{i:07d}", f"<p>Note on paper <b>{i}</b>.</p>", f"Note on paper {i}.", iid)
    db.con.commit()
    db.con.close()
    return data
