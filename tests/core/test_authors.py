"""Who wrote what: each note and annotation records its author (the member, READINGLIST_USER),
on both back ends; and migration 0013 up and down on a real file keeps every child row."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from readinglist.records import AnnotationRecord, PaperMeta
from readinglist.services import annotations, history, papers
from readinglist.services.library import Library

pytestmark = pytest.mark.backends


def _paper(lib: Library) -> int:
    meta = PaperMeta(title="Authors everywhere", arxiv_id="2401.00077", published=dt.date(2024, 1, 1))
    papers.upsert(lib, [meta], save=True)
    return lib.resolve("2401.00077")


def _as(lib: Library, member: str) -> Library:
    """The same library opened by another member (as a second process of theirs would)."""
    other = Library.open(lib.root, lib.endpoints, database_url=lib.database_url)
    other.member = member
    return other


def test_a_note_records_who_wrote_it_last_and_undo_restores_the_author(blib: Library) -> None:
    blib.member = "ann"
    pid = _paper(blib)
    assert blib.get(pid).note_author == ""
    papers.set_note(blib, pid, "Ann's first reading.")
    assert blib.get(pid).note_author == "ann"
    bea = _as(blib, "bea")
    try:
        papers.append_note(bea, pid, "Bea disagrees.")
        row = blib.get(pid)
        assert row.note_author == "bea" and "Bea disagrees." in row.note
        assert row.to_json()["note_author"] == "bea"
        history.undo(bea)  # Bea's own step: the note and its author go back to Ann's
        assert (blib.get(pid).note, blib.get(pid).note_author) == ("Ann's first reading.", "ann")
    finally:
        bea.close()


def test_an_annotation_records_its_author_and_a_new_text_changes_it(blib: Library) -> None:
    blib.member = "ann"
    pid = _paper(blib)
    rec = annotations.add_annotation(blib, pid, AnnotationRecord(None, 0, "highlight", rects=((1, 1, 9, 9),)))
    assert rec.author == "ann"
    bea = _as(blib, "bea")
    try:
        # Recolouring or moving somebody's highlight does not make it yours ...
        moved = annotations.update_annotation(bea, rec.id or 0, color="#ff0000", rects=((2, 2, 9, 9),))
        assert moved.author == "ann"
        # ... writing its comment does.
        said = annotations.update_annotation(bea, rec.id or 0, comment="Bea: see section 3")
        assert said.author == "bea"
        gone = annotations.delete_annotation(bea, rec.id or 0)
        back = annotations.restore_annotation(blib, pid, gone)  # undo keeps who wrote it
        assert back.author == "bea"
        listed = annotations.list_annotations(blib, pid)
        assert [a.author for a in listed] == ["bea"]
        from readinglist.annotations_md import annotations_json

        assert annotations_json(listed)[0]["author"] == "bea"
    finally:
        bea.close()


def _counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("papers", "paper_tags", "list_items", "annotations", "attachments", "feed_appearances")
        }
    finally:
        con.close()


def test_migration_0013_up_and_down_keeps_every_child_row(library_dir: Path) -> None:
    from alembic import command

    from readinglist.db import engine as dbengine
    from readinglist.services import reading_lists

    lib = Library.open(library_dir)
    try:
        pid = _paper(lib)
        papers.tag(lib, [pid], ["kept"])
        reading_lists.create(lib, "Journal club")
        reading_lists.add(lib, "Journal club", [pid])
        annotations.add_annotation(
            lib, pid, AnnotationRecord(None, 0, "note", rects=((1, 1, 2, 2),), comment="c")
        )
        papers.set_note(lib, pid, "a note")
        before = _counts(lib.db_path)
        assert before["paper_tags"] == before["list_items"] == before["annotations"] == 1
        cfg = dbengine._alembic_config(lib._engine)
        command.downgrade(cfg, "0010_speed")
        con = sqlite3.connect(lib.db_path)
        cols = {r[1] for r in con.execute("PRAGMA table_info(papers)")}
        con.close()
        assert "note_author" not in cols
        assert _counts(lib.db_path) == before
        command.upgrade(cfg, "head")
        assert _counts(lib.db_path) == before
        con = sqlite3.connect(lib.db_path)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("SELECT note, note_author FROM papers").fetchall() == [("a note", "")]
        assert con.execute("SELECT author FROM annotations").fetchall() == [("",)]
        con.close()
        assert json.loads(json.dumps(lib.get(pid).to_json()))["note_author"] == ""
    finally:
        lib.close()
