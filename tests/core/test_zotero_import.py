"""A Zotero 7 data folder, built from Zotero's own schema files, imports whole; a second time, nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from readinglist.db.queries import PaperFilter
from readinglist.errors import Cancelled
from readinglist.records import PaperMeta
from readinglist.services import papers
from readinglist.services.annotations import list_annotations
from readinglist.services.exporting import export_text
from readinglist.services.zotero_import import import_zotero
from tests.zotero_fixture import PAGE_HEIGHT, build_zotero


@pytest.fixture
def zotero(tmp_path: Path, lib: object):  # type: ignore[no-untyped-def]
    papers.upsert(lib, [PaperMeta(title="A Duplicate Paper Already Here", doi="10.5555/dup.2020",  # type: ignore[attr-defined]
                          authors=("Ann Other",), entry_type="article")], save=True)  # fmt: skip
    return build_zotero(tmp_path / "src")


def _rows(lib):  # type: ignore[no-untyped-def]
    return {r.title: r for r in lib.list_papers(PaperFilter(dismissed=None))}


def _snapshot(lib) -> tuple:  # type: ignore[no-untyped-def]
    con = sqlite3.connect(lib.db_path)
    try:
        return tuple(con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                     for t in ("papers", "tags", "paper_tags", "reading_lists", "list_items", "annotations",
                               "attachments", "import_links"))  # fmt: skip
    finally:
        con.close()


def test_everything_comes_in_place(lib, zotero) -> None:  # type: ignore[no-untyped-def]
    report = import_zotero(lib, zotero.data_dir)
    rows = _rows(lib)
    assert "A Paper Thrown Away Long Ago" not in rows and report.trashed == 1
    pre = rows["Jina CLIP: Your CLIP Model Is Also Your Text Retriever"]
    assert pre.citekey == "brandt2024jinaclip"  # the Better BibTeX pinned key
    assert pre.arxiv_id == "2405.20204" and pre.doi is None  # arXiv's own DOI says no more than the id
    assert pre.authors == ("Ilse Brandt", "Greta Günther", "OpenAI")  # editors are not authors
    assert pre.published is not None and pre.published.isoformat() == "2024-05-30"
    assert set(pre.tags) == {"retrieval", "Computer Science - Computation and Language"}
    assert pre.lists == ("Thesis/Chapter 2",) and pre.saved
    assert "# Reading notes" in pre.note and "- one encoder" in pre.note and "**key**" in pre.note
    assert pre.pdf and Path(pre.pdf).is_file() and Path(pre.pdf).parent == lib.pdf_dir
    art = rows["Some Published Thing"]
    assert art.citekey == "martinez2023some" and art.meta.journal == "Journal of Things"
    assert art.meta.year == 2023 and art.meta.month == 4 and art.meta.pages == "1-10"
    assert art.pdf and Path(art.pdf).parent == lib.pdf_dir  # the linked file was copied in
    assert zotero.linked_pdf.is_file()  # ... and left where it was
    assert "Compare with the *published* version." in art.note  # related standalone note
    plan = rows["Thesis plan"]
    assert plan.meta.entry_type == "note" and "## Thesis plan" in plan.note and plan.tags == ("planning",)
    assert set(rows["Some Published Thing"].lists) == {"Thesis"} and "Thesis" in plan.lists
    thesis = export_text(lib, PaperFilter(list_name="Thesis", dismissed=None))  # the note is in the list
    assert "martinez2023some" in thesis and "Thesis plan" not in thesis  # ... but cites nothing
    assert {(t.name, t.color) for t in lib.tags()} >= {("retrieval", "#ff6666"), ("planning", "#5fb236")}
    dup = rows["A Duplicate Paper Already Here"]
    assert dup.citekey == "otherduplicate" and dup.tags == ("imported-dup",)  # merged, key kept
    assert len([r for r in rows if r.startswith("A Duplicate")]) == 1
    assert any("lost.pdf is missing" in s for s in report.skipped)
    assert len(report.added) == 5 and len(report.merged) == 1 and report.pdfs == 2

    annots = {a.fingerprint: a for a in list_annotations(lib, pre.id)}
    assert len(annots) == 6
    h = annots["zotero:ANNHIGH1"]
    assert (h.kind, h.page, h.color, h.text, h.comment) == (
        "highlight",
        0,
        "#2ea8e5",
        "Your CLIP model",
        "central claim",
    )
    assert h.rects == ((72.0, 106.0, 300.0, 120.0),)  # Zotero's bottom-left origin flipped to top-left
    assert len(annots["zotero:ANNUNDR1"].rects) == 2 and annots["zotero:ANNUNDR1"].kind == "underline"
    assert (
        annots["zotero:ANNNOTE1"].kind == "note" and annots["zotero:ANNNOTE1"].comment == "Check this proof"
    )
    assert annots["zotero:ANNIMAG1"].kind == "rectangle" and annots["zotero:ANNIMAG1"].page == 1
    ink = annots["zotero:ANNINK01"]
    assert ink.kind == "ink" and ink.ink == (((100.0, 500.0), (150.0, 520.0), (200.0, 510.0)),)
    assert (
        annots["zotero:ANNTEXT1"].tags == ("todo",) and annots["zotero:ANNTEXT1"].comment == "margin remark"
    )
    assert PAGE_HEIGHT - 120 == 672  # the fixture's arithmetic, so a changed page size shows up here


@pytest.mark.sqlite_file
def test_a_second_import_changes_nothing(lib, zotero) -> None:  # type: ignore[no-untyped-def]
    import_zotero(lib, zotero.data_dir)
    before = _snapshot(lib)
    report = import_zotero(lib, zotero.data_dir)
    assert _snapshot(lib) == before
    assert report.added == [] and report.merged == [] and len(report.unchanged) == 5
    assert report.notes == report.pdfs == report.annotations == report.tags == report.lists == 0


def test_a_locked_database_is_read_from_a_copy(lib, zotero) -> None:  # type: ignore[no-untyped-def]
    holder = sqlite3.connect(zotero.data_dir / "zotero.sqlite")
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")  # as Zotero holds it while running
    try:
        report = import_zotero(lib, zotero.data_dir)
    finally:
        holder.rollback()
        holder.close()
    assert len(report.added) == 5


def test_cancel_keeps_what_came_and_bad_folders_say_why(lib, zotero, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Cancelled):
        import_zotero(lib, zotero.data_dir, cancelled=lambda: True)
    assert "Some Published Thing" in _rows(lib)  # the first batch committed
    from readinglist.errors import ReadingListError

    with pytest.raises(ReadingListError, match="does not exist"):
        import_zotero(lib, tmp_path / "nowhere")
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "zotero.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ReadingListError, match="not a Zotero database"):
        import_zotero(lib, junk)


def test_linked_files_can_be_left_alone(lib, zotero) -> None:  # type: ignore[no-untyped-def]
    report = import_zotero(lib, zotero.data_dir, copy_linked=False)
    assert _rows(lib)["Some Published Thing"].pdf is None
    assert any("linked file" in s for s in report.skipped)


def test_cli_import_zotero_reports_a_summary(lib, zotero, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from readinglist.cli.main import main

    root = lib.root
    lib.close()
    shutil.rmtree(zotero.data_dir / "storage" / "ATTPDF01")  # now two PDFs are missing
    assert main(["--library", str(root), "import-zotero", str(zotero.data_dir)]) == 0
    err = capsys.readouterr().err
    assert "5 new papers, 1 merged" in err and "brandt.pdf is missing" in err
    assert "its 6 annotations need the PDF and did not come" in err


@pytest.mark.sqlite_file
def test_the_import_is_one_undo_step(lib, zotero) -> None:  # type: ignore[no-untyped-def]
    from readinglist.services import history

    before = _snapshot(lib)
    import_zotero(lib, zotero.data_dir)
    assert history.can_undo(lib) == "Import from Zotero"
    assert [h.label for h in history.history(lib)][:1] == ["Import from Zotero"]
    history.undo(lib)
    after = _snapshot(lib)
    # The library is as it was (the copied PDF files are left in pdfs/ for redo to find).
    assert after[:6] == before[:6] and after[7] == before[7]
    assert "Some Published Thing" not in _rows(lib)
    history.redo(lib)
    assert _rows(lib)["Some Published Thing"].lists == ("Thesis",)


def test_linked_files_relative_to_the_base_folder(lib, zotero) -> None:  # type: ignore[no-untyped-def]
    report = import_zotero(lib, zotero.data_dir, base_dir=zotero.base_dir)
    row = _rows(lib)["A Report Filed Under the Base Folder"]
    assert row.pdf and Path(row.pdf).parent == lib.pdf_dir and report.pdfs == 3
    assert (
        row.meta.entry_type == "techreport" and row.meta.publisher == "Some Lab" and row.meta.number == "TR-7"
    )


def test_zotero_data_and_base_folders_are_found_from_the_profile(tmp_path: Path) -> None:
    from readinglist.errors import NotFoundError
    from readinglist.zotero.locate import base_attachment_dir, find_data_dir

    home = tmp_path / "home"
    with pytest.raises(NotFoundError, match="give its path"):
        find_data_dir(home)
    (home / "Zotero").mkdir(parents=True)
    (home / "Zotero" / "zotero.sqlite").write_bytes(b"")
    assert find_data_dir(home) == home / "Zotero"
    custom, base = tmp_path / "elsewhere", tmp_path / "base"
    custom.mkdir()
    base.mkdir()
    (custom / "zotero.sqlite").write_bytes(b"")
    profile = home / ".zotero" / "zotero" / "abcd.default"
    profile.mkdir(parents=True)
    (profile / "prefs.js").write_text(
        f'user_pref("extensions.zotero.dataDir", "{custom}");\n'
        f'user_pref("extensions.zotero.baseAttachmentPath", "{base}");\n', encoding="utf-8")  # fmt: skip
    assert find_data_dir(home) == custom
    assert base_attachment_dir(home) == base
