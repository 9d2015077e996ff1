"""Reader text gestures, driven like a user: drags across pages, double and triple clicks,
shift+click, scrolling while dragging. Checked against the selection, the clipboard and the
database (markup tools)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
import test_reader
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication
from test_reader import _db, _settled

from ui.reader.tools import CLICK_SLOP

paper, reader = test_reader.paper, test_reader.reader  # the fixtures of the reader tests


def _word(path: Path, page: int, text: str) -> QPointF:
    """The centre of the first word ``text`` on a page, in page space."""
    with pymupdf.open(path) as doc:
        for x0, y0, x1, y1, word, *_ in doc[page].get_text("words"):
            if word == text:
                return QPointF((x0 + x1) / 2, (y0 + y1) / 2)
    raise AssertionError(f"no word {text!r} on page {page}")


def _at(w, page: int, point: QPointF) -> QPoint:
    pos = w.view.page_to_widget(page, point).toPoint()
    assert w.view.viewport().rect().contains(pos), "the test point must be on screen"
    return pos


def _drag_between(qtbot, w, a: QPoint, b: QPoint) -> None:
    vp = w.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(vp, pos=(a + b) / 2)
    qtbot.mouseMove(vp, pos=b)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)
    _settled(qtbot, w)


def _double_click(qtbot, w, pos: QPoint) -> None:
    """What Qt delivers for a real double-click: press, release, press, double-click, release."""
    vp = w.view.viewport()
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(vp, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=pos)


def _triple_click(qtbot, w, pos: QPoint) -> None:
    _double_click(qtbot, w, pos)
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


@pytest.fixture
def patient_clicks() -> Iterator[None]:
    """A triple click whose third click waits for the worker must not miss Qt's interval on a
    busy machine: make the interval generous for the test."""
    hints = QGuiApplication.styleHints()
    old = hints.mouseDoubleClickInterval()
    hints.setMouseDoubleClickInterval(3000)
    yield
    hints.setMouseDoubleClickInterval(old)


def _show_pages(qtbot, w, zoom: float) -> None:
    w.view.set_zoom(zoom)
    w.view.go_to_page(0)
    qtbot.waitUntil(lambda: w.view.is_rendered(0), timeout=5000)


def test_drag_across_three_pages_selects_and_copies_them_all(qtbot, paper, reader) -> None:
    _pid, path = paper
    w = reader()
    _show_pages(qtbot, w, 0.35)  # pages 1-3 on screen at once
    a = _at(w, 0, _word(path, 0, "closes"))
    b = _at(w, 2, _word(path, 2, "short."))
    _drag_between(qtbot, w, a, b)
    sel = w.tools.selection
    assert sel is not None and [p.page for p in sel.parts] == [0, 1, 2]
    assert [p.quote for p in sel.parts] == [
        "closes the page.",
        "Second page opens here. The decoder attends to the encoder. Nothing else to see.",
        "Third page is short.",
    ]
    assert len(sel.parts[1].rects) == 3  # the middle page whole: all of its lines
    w.actions_["copy"].trigger()
    expected = (
        "closes the page. Second page opens here. The decoder attends to the encoder. "
        "Nothing else to see. Third page is short."
    )
    assert QGuiApplication.clipboard().text() == expected
    # Dragging upwards selects the same text.
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=a)
    _settled(qtbot, w)
    assert w.tools.selection is None
    _drag_between(qtbot, w, b, a)
    assert w.tools.selection is not None and w.tools.selection.quote == expected
    # Ending in the next page's top margin takes nothing from it (not its nearest word), and
    # starting in a page's bottom margin takes nothing from that page.
    _drag_between(qtbot, w, a, _at(w, 1, QPointF(200, 15)))
    assert w.tools.selection is not None and w.tools.selection.quote == "closes the page."
    _drag_between(qtbot, w, _at(w, 0, QPointF(200, 450)), _at(w, 1, _word(path, 1, "opens")))
    assert w.tools.selection is not None and w.tools.selection.quote == "Second page opens"


def test_markup_drag_across_pages_makes_one_annotation_per_page(qtbot, lib, paper, reader) -> None:
    pid, path = paper
    w = reader()
    _show_pages(qtbot, w, 0.6)
    w.use_tool("highlight")
    _drag_between(qtbot, w, _at(w, 0, _word(path, 0, "final")), _at(w, 1, _word(path, 1, "opens")))
    got = sorted((a.page, a.kind, a.text) for a in _db(lib, pid))
    assert got == [(0, "highlight", "final line closes the page."), (1, "highlight", "Second page opens")]
    assert w.tools.selection is None
    assert [h.paper_id for h in lib.search("opens")] == [pid]
    # One gesture, one undo step, both pages.
    w.actions_["undo"].trigger()
    _settled(qtbot, w)
    assert _db(lib, pid) == [] and len(w.model) == 0
    w.actions_["redo"].trigger()
    _settled(qtbot, w)
    assert sorted(a.page for a in _db(lib, pid)) == [0, 1]


def test_double_click_selects_a_word_and_triple_click_its_line(
    qtbot, lib, paper, reader, patient_clicks
) -> None:
    pid, path = paper
    w = reader()
    _double_click(qtbot, w, _at(w, 0, _word(path, 0, "encoder")))
    _settled(qtbot, w)
    sel = w.tools.selection
    assert sel is not None and sel.quote == "encoder" and len(sel.parts[0].rects) == 1
    with pymupdf.open(path) as doc:
        word = doc[0].search_for("encoder")[0]
    assert all(abs(a - b) < 0.5 for a, b in zip(sel.parts[0].rects[0], word, strict=True))

    _triple_click(qtbot, w, _at(w, 0, _word(path, 0, "final")))
    _settled(qtbot, w)
    assert w.tools.selection is not None and w.tools.selection.quote == "A final line closes the page."

    # A double-click on blank paper selects nothing (not the nearest word).
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=_at(w, 0, QPointF(300, 300)))
    _double_click(qtbot, w, _at(w, 0, QPointF(300, 400)))
    _settled(qtbot, w)
    assert w.tools.selection is None

    # With a markup tool the word is marked up; a third click widens it to the line instead.
    w.use_tool("underline")
    at = _at(w, 1, _word(path, 1, "attends"))
    _double_click(qtbot, w, at)
    _settled(qtbot, w)
    assert [(a.kind, a.text) for a in _db(lib, pid)] == [("underline", "attends")]
    qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    _settled(qtbot, w)
    assert [(a.page, a.text) for a in _db(lib, pid)] == [(1, "The decoder attends to the encoder.")]
    w.actions_["undo"].trigger()
    _settled(qtbot, w)
    assert _db(lib, pid) == []


def test_shift_click_extends_the_selection(qtbot, paper, reader) -> None:
    _pid, path = paper
    w = reader()
    _double_click(qtbot, w, _at(w, 0, _word(path, 0, "all")))
    _settled(qtbot, w)
    assert w.tools.selection is not None and w.tools.selection.quote == "all"
    vp = w.view.viewport()
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, shift, pos=_at(w, 0, _word(path, 0, "maps")))
    _settled(qtbot, w)
    assert w.tools.selection is not None and w.tools.selection.quote == "all you need. The encoder maps"
    # From a plain click (the anchor) to a shift+click on the next page.
    _show_pages(qtbot, w, 0.6)
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=_at(w, 0, _word(path, 0, "closes")))
    _settled(qtbot, w)
    assert w.tools.selection is None
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, shift, pos=_at(w, 1, _word(path, 1, "page")))
    _settled(qtbot, w)
    assert w.tools.selection is not None and w.tools.selection.quote == "closes the page. Second page"


def test_drag_to_the_bottom_edge_scrolls_and_keeps_selecting(qtbot, paper, reader) -> None:
    _pid, path = paper
    w = reader()
    _show_pages(qtbot, w, 1.5)  # page 2 starts far below the window
    vp = w.view.viewport()
    bar = w.view.verticalScrollBar()
    start = _at(w, 0, _word(path, 0, "encoder"))
    assert w.view.page_rect_widget(1).top() > vp.height()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, pos=start + QPoint(0, int(CLICK_SLOP) + 20))
    edge = QPoint(start.x(), vp.height() - 2)
    qtbot.mouseMove(vp, pos=edge)
    before = bar.value()

    def below_first_line_of_page_2() -> bool:
        page, point = w.view.widget_to_page(QPointF(edge))
        return page == 1 and point.y() > 70

    qtbot.waitUntil(below_first_line_of_page_2, timeout=10000)
    assert bar.value() > before
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=edge)
    _settled(qtbot, w)
    sel = w.tools.selection
    assert sel is not None and [p.page for p in sel.parts][:2] == [0, 1]
    assert sel.quote.startswith("encoder maps the input sequence. A final line closes the page. Second")
