"""The built-in reader, driven like a user: open, select with the mouse, annotate, undo, search.

Offscreen (pytest-qt). Every step is checked against the database; waits use qtbot.waitUntil.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from readinglist.db.schema import Attachment
from readinglist.pdf.annotations import read_annotations
from readinglist.records import AnnotationRecord, PaperMeta
from readinglist.services import annotations as service
from readinglist.services import library_settings, papers
from ui.reader import SHORTCUTS, dialogs, open_reader, open_windows, prefs
from ui.reader.worker import pdf_worker

PAGES = [
    "Attention is all you need.\nThe encoder maps the input sequence.\nA final line closes the page.",
    "Second page opens here.\nThe decoder attends to the encoder.\nNothing else to see.",
    "Third page is short.\nThe encoder appears once more.",
]
ROTATED = "Rotated words sit here.\nSecond rotated line."


@pytest.fixture
def paper(lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    ids, _ = papers.upsert(
        lib, [PaperMeta(title="Reader Test", authors=("Ann Author",), arxiv_id="2401.00009")], save=True
    )
    doc = pymupdf.open()
    for text in PAGES:
        page = doc.new_page(width=400, height=500)
        page.insert_textbox(pymupdf.Rect(40, 40, 380, 480), text, fontsize=14)
    # Page 4 has /Rotate 90 and its text set so that it reads upright on screen.
    page = doc.new_page(width=400, height=500)
    page.set_rotation(90)
    page.insert_textbox(pymupdf.Rect(40, 40, 360, 460), ROTATED, fontsize=14, rotate=90)
    doc.set_toc([[1, "Start", 1], [1, "End", 3]])
    path = lib.pdf_dir / "reader.pdf"
    doc.save(path)
    doc.close()
    data = path.read_bytes()
    with lib.change("Attach a test PDF", undoable=False) as tx:
        tx.session.add(
            Attachment(
                paper_id=ids[0],
                path="pdfs/reader.pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                page_count=4,
            )
        )
    ini = tmp_path / "settings.ini"
    monkeypatch.setattr(prefs, "settings", lambda: QSettings(str(ini), QSettings.Format.IniFormat))
    monkeypatch.setattr(dialogs, "show_error", lambda *a: pytest.fail(f"error dialog: {a}"))
    return ids[0], path


def _hit(path: Path, page: int, phrase: str) -> pymupdf.Rect:
    with pymupdf.open(path) as doc:
        return doc[page].search_for(phrase)[0]


@pytest.fixture
def reader(qtbot, lib, paper) -> Iterator[Callable[[], object]]:
    """Opens the paper's reader and waits for page 1; closes every reader afterwards."""

    def open_() -> object:
        w = open_reader(None, lib, paper[0], str(paper[1]))
        w.resize(900, 800)
        qtbot.waitUntil(
            lambda: w.info is not None and w.view.is_rendered(w.view.current_page()), timeout=5000
        )
        return w

    yield open_
    for w in open_windows():
        w.close()
    worker = pdf_worker()
    qtbot.waitUntil(worker.idle, timeout=5000)


def _db(lib, pid: int) -> list[AnnotationRecord]:
    return service.list_annotations(lib, pid)


def _drag(qtbot, w, page: int, start: QPointF, end: QPointF) -> None:
    vp = w.view.viewport()
    a = w.view.page_to_widget(page, start).toPoint()
    b = w.view.page_to_widget(page, end).toPoint()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, pos=(a + b) / 2)
    qtbot.mouseMove(vp, pos=b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)


def _settled(qtbot, w) -> None:
    qtbot.waitUntil(lambda: w.tools.pending == 0 and w.model.writes_pending == 0, timeout=5000)


def _select(qtbot, w, page: int, r: pymupdf.Rect) -> None:
    mid = (r.y0 + r.y1) / 2
    _drag(qtbot, w, page, QPointF(r.x0 + 2, mid), QPointF(r.x1 - 2, mid))
    _settled(qtbot, w)


def test_the_reader_shares_the_library_history(qtbot, lib, paper, reader) -> None:
    """An undo made elsewhere (the main window, the command line) shows in an open reader,
    and the reader's Edit menu names the step its undo would undo."""
    from readinglist.services import history

    pid, path = paper
    w = reader()
    _select(qtbot, w, 0, _hit(path, 0, "encoder maps"))
    w.use_tool("highlight")
    _settled(qtbot, w)
    qtbot.waitUntil(lambda: w.actions_["undo"].isEnabled() and "highlight" in w.actions_["undo"].text())
    assert len(w.model) == 1
    history.undo(lib)  # not through the reader
    qtbot.waitUntil(lambda: len(w.model) == 0 and w.panel.list.count() == 0)
    qtbot.waitUntil(lambda: w.actions_["redo"].isEnabled())
    w.actions_["redo"].trigger()
    _settled(qtbot, w)
    assert [a.kind for a in _db(lib, pid)] == ["highlight"] and len(w.model) == 1


def test_select_highlight_note_undo_redo(qtbot, lib, paper, reader, monkeypatch: pytest.MonkeyPatch) -> None:
    pid, path = paper
    hit = _hit(path, 0, "encoder maps")
    w = reader()
    w.activateWindow()

    _select(qtbot, w, 0, hit)
    assert w.tools.selection is not None and w.tools.selection.quote == "encoder maps"
    w.tools.copy()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "encoder maps"

    w.use_tool("highlight")  # H with text selected: highlight it
    _settled(qtbot, w)
    (hl,) = _db(lib, pid)
    assert (hl.kind, hl.page, hl.text, hl.color) == ("highlight", 0, "encoder maps", "#ffd400")
    assert abs(hl.rects[0][0] - hit.x0) < 2 and abs(hl.rects[0][3] - hit.y1) < 2

    # A sticky note: click with the note tool; the comment comes from the (replaced) editor.
    monkeypatch.setattr(dialogs, "edit_text", lambda *a: "Why does this work?")
    w.use_tool("note")
    at = w.view.page_to_widget(0, QPointF(300, 200)).toPoint()
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    _settled(qtbot, w)
    notes = [a for a in _db(lib, pid) if a.kind == "note"]
    assert [(n.comment, n.page) for n in notes] == [("Why does this work?", 0)]
    assert abs(notes[0].rects[0][0] - 300) < 1.5 and abs(notes[0].rects[0][1] - 200) < 1.5
    assert [h.paper_id for h in lib.search("work")] == [pid]

    w.actions_["undo"].trigger()
    _settled(qtbot, w)
    assert [a.kind for a in _db(lib, pid)] == ["highlight"]
    w.actions_["undo"].trigger()
    _settled(qtbot, w)
    assert _db(lib, pid) == []
    w.actions_["redo"].trigger()
    w.actions_["redo"].trigger()
    _settled(qtbot, w)
    assert sorted(a.kind for a in _db(lib, pid)) == ["highlight", "note"]
    assert next(a for a in _db(lib, pid) if a.kind == "highlight").id == hl.id  # same row back
    assert w.panel.list.count() == 2


def test_markup_tools_ink_area_recolour_comment_delete(qtbot, lib, paper, reader, monkeypatch) -> None:
    pid, path = paper
    w = reader()
    w.use_tool("underline")
    _select(qtbot, w, 0, _hit(path, 0, "final line"))
    w.use_tool("strikeout")
    _select(qtbot, w, 0, _hit(path, 0, "Attention"))
    w.use_tool("ink")
    _drag(qtbot, w, 0, QPointF(60, 300), QPointF(160, 360))
    w.use_tool("rectangle")
    _drag(qtbot, w, 0, QPointF(50, 380), QPointF(200, 460))
    _settled(qtbot, w)
    got = {a.kind: a for a in _db(lib, pid)}
    assert set(got) == {"underline", "strikeout", "ink", "rectangle"}
    assert got["underline"].text == "final line" and got["strikeout"].text == "Attention"
    assert len(got["ink"].ink[0]) == 3
    assert all(abs(a - b) < 1.5 for a, b in zip(got["rectangle"].rects[0], (50, 380, 200, 460), strict=True))

    # Select the rectangle by clicking its edge, recolour (key "4" = blue), comment, delete.
    w.use_tool("select")
    edge = w.view.page_to_widget(0, QPointF(50, 420)).toPoint()
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=edge)
    assert w.model.get(w.model.selected).kind == "rectangle"
    w.actions_["color_blue"].trigger()
    monkeypatch.setattr(dialogs, "edit_text", lambda *a: "figure 2")
    w.actions_["comment"].trigger()
    _settled(qtbot, w)
    rect = next(a for a in _db(lib, pid) if a.kind == "rectangle")
    assert (rect.color, rect.comment) == ("#2ea8e5", "figure 2")

    w.panel.kind_filter.setCurrentIndex(w.panel.kind_filter.findData("rectangle"))
    assert w.panel.list.count() == 1
    w.panel.color_filter.setCurrentIndex(w.panel.color_filter.findData("#ffd400"))
    assert w.panel.list.count() == 0

    w.actions_["delete"].trigger()
    _settled(qtbot, w)
    assert "rectangle" not in {a.kind for a in _db(lib, pid)}
    w.actions_["undo"].trigger()  # undo the delete
    w.actions_["undo"].trigger()  # and the comment
    _settled(qtbot, w)
    rect = next(a for a in _db(lib, pid) if a.kind == "rectangle")
    assert (rect.color, rect.comment) == ("#2ea8e5", "")


def test_zoom_keeps_annotations_on_their_text(qtbot, lib, paper, reader) -> None:
    pid, path = paper
    hit = _hit(path, 1, "decoder attends")
    service.add_annotation(
        lib, pid, AnnotationRecord(None, 1, "highlight", rects=((hit.x0, hit.y0, hit.x1, hit.y1),))
    )
    w = reader()
    (_key, rec) = w.model.items()[0]
    from ui.reader import overlay

    for zoom in (0.7, 1.0, 2.3):
        w.view.set_zoom(zoom)
        w.view.go_to_page(1)
        qtbot.waitUntil(lambda: w.view.is_rendered(1), timeout=5000)
        t = w.view.page_transform(1)
        box = overlay.bounds(rec, t)
        assert abs(box.width() - hit.width * zoom) < 1 and abs(box.height() - hit.height * zoom) < 1
        assert (box.topLeft() - w.view.page_to_widget(1, QPointF(hit.x0, hit.y0))).manhattanLength() < 1
        # The tile under the highlight is really the text: dark pixels inside the box.
        img = w.view.viewport().grab().toImage()
        dark = sum(
            1
            for x in range(int(box.left()) + 1, int(box.right()) - 1, 2)
            for y in range(int(box.top()) + 1, int(box.bottom()) - 1, 2)
            if 0 <= x < img.width() and 0 <= y < img.height() and img.pixelColor(x, y).lightness() < 80
        )
        assert dark > 3, f"no text under the highlight at zoom {zoom}"
    assert _db(lib, pid)[0].rects == rec.rects


def test_search_streams_hits_and_navigates(qtbot, reader) -> None:
    w = reader()
    w.find_box.setText("encoder")
    qtbot.keyClick(w.find_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.search.finished, timeout=5000)
    assert w.search.count == 3 and sorted(w.search.hits) == [0, 1, 2]
    assert w.search.current == (0, 0) and "1 of 3" in w.find_count.text()
    w.actions_["find_next"].trigger()
    w.actions_["find_next"].trigger()
    assert w.search.current == (2, 0)
    w.actions_["find_prev"].trigger()
    assert w.search.current == (1, 0)
    w.find_box.clear()
    assert w.search.count == 0


def test_pymupdf_runs_only_on_the_worker_thread(qtbot, lib, paper, reader, monkeypatch) -> None:
    threads: set[int] = set()

    def spy(owner: object, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            threads.add(threading.get_ident())
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    spy(pymupdf, "open")
    for cls, names in (
        (pymupdf.Document, ("load_page", "get_toc", "close")),
        (pymupdf.Page, ("get_pixmap", "get_displaylist", "get_text", "search_for", "annots")),
        (pymupdf.DisplayList, ("get_pixmap",)),
    ):
        for name in names:
            spy(cls, name)
    library_settings.set_setting(
        lib, "write_annotations_to_pdf", True
    )  # the service rewrites the PDF: same thread
    w = reader()
    w.use_tool("highlight")
    _select(qtbot, w, 0, pymupdf.Rect(40, 60, 200, 70))
    w.search.start("page")
    qtbot.waitUntil(lambda: w.search.finished, timeout=5000)
    w.view.set_zoom(3.0)
    qtbot.waitUntil(lambda: w.view.is_rendered(w.view.current_page()), timeout=5000)
    w.close()
    qtbot.waitUntil(pdf_worker().idle, timeout=5000)
    assert threads == {pdf_worker().thread_id}
    assert read_annotations(paper[1], include_own=True)[0].kind == "highlight"  # written back


def test_reopens_at_last_page_and_reuses_window(qtbot, lib, paper, reader) -> None:
    w = reader()
    assert open_reader(None, lib, paper[0], str(paper[1])) is w
    assert w.sidebar.outline.topLevelItemCount() == 2
    qtbot.waitUntil(lambda: w.sidebar.thumbs.item(3).data(Qt.ItemDataRole.UserRole) is True, timeout=5000)
    w.page_box.setValue(4)
    assert w.view.current_page() == 3
    w.close()
    qtbot.waitUntil(lambda: not open_windows(), timeout=2000)
    w2 = reader()
    assert w2 is not w and w2.view.current_page() == 3 and w2.page_box.value() == 4


def test_export_copy_markdown_and_note(qtbot, lib, paper, reader, tmp_path: Path, monkeypatch) -> None:
    pid, path = paper
    w = reader()
    w.use_tool("highlight")
    _select(qtbot, w, 0, _hit(path, 0, "encoder maps"))
    pdf_out, md_out = tmp_path / "copy.pdf", tmp_path / "notes.md"
    monkeypatch.setattr(dialogs, "save_path", lambda *a: str(pdf_out))
    w.actions_["save_copy"].trigger()
    monkeypatch.setattr(dialogs, "save_path", lambda *a: str(md_out))
    w.actions_["export_md"].trigger()
    w.actions_["to_note"].trigger()
    qtbot.waitUntil(
        lambda: pdf_out.exists() and md_out.exists() and "encoder maps" in lib.get(pid).note, timeout=5000
    )
    assert [(r.kind, r.text) for r in read_annotations(pdf_out, include_own=True)] == [
        ("highlight", "encoder maps")
    ]
    assert "> encoder maps" in md_out.read_text()


def test_shortcuts_are_listed() -> None:
    keys = dict(SHORTCUTS)
    for needed in ("Ctrl+F", "F3", "Shift+F3", "Ctrl+G", "Ctrl+C", "Ctrl+Z", "Ctrl+Shift+Z, Ctrl+Y"):
        assert needed in keys, needed
    gestures = " ".join(f"{k}: {d}" for k, d in SHORTCUTS).lower()
    for needed in (
        "double-click",
        "triple-click",
        "shift+click",
        "across pages",
        "move",
        "resize",
        "cancel a drag",
    ):
        assert needed in gestures, needed


def test_keyboard_shortcuts_drive_the_window(qtbot, lib, paper, reader) -> None:
    w = reader()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=2000)
    zoom = w.view.zoom
    qtbot.keyClick(w.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert w.view.zoom > zoom
    qtbot.keyClick(w.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert w.page_box.hasFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.find_box.hasFocus()
    zoom, tool = w.view.zoom, w.tools.tool
    qtbot.keyClicks(w.find_box, "wfhr")  # single-letter shortcuts must not steal typing
    assert w.find_box.text() == "wfhr" and (w.view.zoom, w.tools.tool) == (zoom, tool)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_R)
    assert w.tools.tool == "rectangle"
    qtbot.keyClick(w.view, Qt.Key.Key_End)
    assert w.view.current_page() == 3
    qtbot.keyClick(w.view, Qt.Key.Key_Home)
    assert w.view.current_page() == 0
    # Ctrl+wheel zooms around the pointer.
    zoom, at = w.view.zoom, QPointF(200, 200)
    wheel = QWheelEvent(at, w.view.viewport().mapToGlobal(at), QPoint(), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(w.view.viewport(), wheel)
    assert w.view.zoom == pytest.approx(zoom * 1.2)


def test_rotated_page_selection_and_overlay(qtbot, lib, paper, reader) -> None:
    pid, path = paper
    with pymupdf.open(path) as doc:
        words = {wd[4]: pymupdf.Rect(wd[:4]) for wd in doc[3].get_text("words")}
        hit = doc[3].search_for("words sit")[0]
    w = reader()
    w.view.go_to_page(3)
    qtbot.waitUntil(lambda: w.view.is_rendered(3), timeout=5000)

    def centre(r: pymupdf.Rect) -> QPointF:
        return QPointF((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2)

    _drag(qtbot, w, 3, centre(words["words"]), centre(words["sit"]))
    _settled(qtbot, w)
    assert w.tools.selection is not None and w.tools.selection.quote == "words sit"
    w.use_tool("highlight")
    _settled(qtbot, w)
    (hl,) = _db(lib, pid)
    assert (hl.page, hl.text) == (3, "words sit")
    assert all(abs(a - b) < 2 for a, b in zip(hl.rects[0], hit, strict=True))  # unrotated page space
    from ui.reader import overlay

    box = overlay.bounds(hl, w.view.page_transform(3))
    assert box.width() > box.height()  # the line reads left to right on screen
    img = w.view.viewport().grab().toImage()
    dark = sum(
        1
        for x in range(int(box.left()) + 1, int(box.right()) - 1, 2)
        for y in range(int(box.top()) + 1, int(box.bottom()) - 1, 2)
        if img.pixelColor(x, y).lightness() < 80
    )
    assert dark > 3


def test_panel_click_jumps_to_annotation(qtbot, lib, paper, reader) -> None:
    pid, path = paper
    hit = _hit(path, 2, "appears once")
    service.add_annotation(
        lib,
        pid,
        AnnotationRecord(None, 2, "underline", rects=((hit.x0, hit.y0, hit.x1, hit.y1),), comment="later"),
    )
    w = reader()
    assert w.panel.list.count() == 1 and "later" in w.panel.list.item(0).text()
    item = w.panel.list.item(0)
    rect = w.panel.list.visualItemRect(item)
    qtbot.mouseClick(w.panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.model.selected is not None and w.view.current_page() == 2


def test_high_dpi_renders_at_device_resolution(qtbot, lib, paper, reader, monkeypatch) -> None:
    from ui.reader.pdfdoc import TILE
    from ui.reader.view import PageView

    monkeypatch.setattr(PageView, "_dpr", lambda self: 2.0)
    w = reader()
    view = w.view
    assert view.scale() == pytest.approx(view.zoom * 2, abs=1e-3)
    tiles = [(k, img) for k, img in view.tiles._items.items() if k[0] == 0 and k[1] == view.scale()]
    row0 = sorted((k[2], img.width()) for k, img in tiles if k[3] == 0)
    assert sum(width for _, width in row0) == pytest.approx(400 * view.scale(), abs=1)
    assert all(width == TILE for _, width in row0[:-1])
    # Overlays stay in logical pixels: a 100-point box is 100 * zoom pixels wide at any ratio.
    rec = AnnotationRecord(None, 0, "rectangle", rects=((100, 100, 200, 150),))
    from ui.reader import overlay

    assert overlay.bounds(rec, view.page_transform(0)).width() == pytest.approx(100 * view.zoom, abs=0.5)


def test_the_panel_names_the_author_of_another_members_annotations(qtbot, lib, paper, reader) -> None:
    pid, path = paper
    hit = _hit(path, 0, "encoder maps")
    rects = ((hit.x0, hit.y0, hit.x1, hit.y1),)
    me = lib.member
    lib.member = "bea"  # a lab colleague's annotation ...
    service.add_annotation(lib, pid, AnnotationRecord(None, 0, "highlight", rects=rects, comment="bea's"))
    lib.member = me  # ... and one of the user's own
    service.add_annotation(lib, pid, AnnotationRecord(None, 1, "underline", rects=rects, comment="mine"))
    w = reader()
    texts = [w.panel.list.item(i).text() for i in range(w.panel.list.count())]
    assert len(texts) == 2
    assert "by bea" in texts[0].splitlines()[0] and "bea's" in texts[0]
    assert " by " not in texts[1]
