"""The reader's first hour: j/k scroll, visible ink, narrow remembered panels, a toolbar of
icons with tooltips, an Outline tab that says why it is empty, an empty annotations panel that
says what to do, and where the window opens."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QToolBar, QWidget

from readinglist.db.schema import Attachment
from readinglist.records import PaperMeta
from readinglist.services import papers
from tests.ui.test_reader import paper, reader  # noqa: F401 (fixtures)
from ui.reader import open_reader, open_windows
from ui.reader.worker import pdf_worker


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    # Closing a reader while its renders are queued trips the PageView lifetime bug that
    # branch first-hour-a fixes (issue 11 item 2); let the worker finish first.
    qtbot.waitUntil(pdf_worker().idle, timeout=5000)


def _contrast_on_white(color: str) -> float:
    def lum(c: QColor) -> float:
        ch = [c.redF(), c.greenF(), c.blueF()]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    return 1.05 / (lum(QColor(color)) + 0.05)


def test_j_and_k_scroll_and_x_strikes_out(qtbot, reader) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = reader()
    w.view.setFocus()
    bar = w.view.verticalScrollBar()
    start = bar.value()
    qtbot.keyClick(w.view, Qt.Key.Key_J)
    assert bar.value() > start
    qtbot.keyClick(w.view, Qt.Key.Key_J)
    down = bar.value()
    qtbot.keyClick(w.view, Qt.Key.Key_K)
    assert start < bar.value() < down
    qtbot.keyClick(w.view, Qt.Key.Key_X)
    assert w.tools.tool == "strikeout"


def test_ink_starts_in_a_colour_that_shows_on_white(qtbot, reader) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = reader()
    w.use_tool("ink")
    assert _contrast_on_white(w.tools.color) >= 2.5  # yellow ink (1.4:1) vanished on the page
    w.use_tool("highlight")
    assert w.tools.color == "#ffd400"  # highlights stay yellow
    w.use_color("#5fb236")  # a colour the user picks is kept for every tool
    w.use_tool("ink")
    assert w.tools.color == "#5fb236"


def test_side_panels_start_narrow_and_are_remembered(qtbot, reader) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = reader()
    qtbot.waitUntil(lambda: w.sidebar_dock.width() > 0)
    assert w.sidebar_dock.width() <= 200 and w.panel_dock.width() <= 300
    assert w.view.width() > w.sidebar_dock.width() + w.panel_dock.width()
    w.resizeDocks([w.panel_dock], [340], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(w.panel_dock.width() - 340) <= 4)
    _settle(qtbot)
    w.close()
    _settle(qtbot)
    again = reader()
    qtbot.waitUntil(lambda: abs(again.panel_dock.width() - 340) <= 4)


def test_the_toolbar_is_icons_with_tooltips(qtbot, reader) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = reader()
    bar = w.findChild(QToolBar, "reader-toolbar")
    actions = [a for a in bar.actions() if not a.isSeparator() and a.text()]
    assert len(actions) >= 13
    for a in actions:
        assert not a.icon().isNull(), a.text()
        assert a.toolTip() and "(" in a.toolTip(), a.text()  # says what it does and its key


def test_an_empty_annotations_panel_says_what_to_do(qtbot, reader) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = reader()
    qtbot.waitUntil(lambda: w.panel.empty.isVisible())
    assert "No annotations yet" in w.panel.empty.text() and "press <b>H</b>" in w.panel.empty.text()
    assert not w.panel.list.isVisible()


@pytest.fixture
def bare_paper(lib, tmp_path: Path) -> tuple[int, Path]:  # type: ignore[no-untyped-def]
    ids, _ = papers.upsert(lib, [PaperMeta(title="No Outline", arxiv_id="2401.00077")], save=True)
    doc = pymupdf.open()
    doc.new_page(width=400, height=500).insert_textbox(pymupdf.Rect(40, 40, 380, 480), "Just text.")
    path = lib.pdf_dir / "bare.pdf"
    doc.save(path)
    doc.close()
    data = path.read_bytes()
    with lib.change("Attach a test PDF", undoable=False) as tx:
        tx.session.add(Attachment(paper_id=ids[0], path="pdfs/bare.pdf", size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), page_count=1))  # fmt: skip
    return ids[0], path


def test_the_outline_tab_says_why_it_is_empty(qtbot, lib, paper, bare_paper) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w = open_reader(None, lib, bare_paper[0], str(bare_paper[1]))
    try:
        qtbot.waitUntil(lambda: w.info is not None, timeout=5000)
        tree = w.sidebar.outline
        assert w.sidebar.isTabEnabled(1)
        assert tree.topLevelItemCount() == 1
        assert "no outline" in tree.topLevelItem(0).text(0)
        tree.itemClicked.emit(tree.topLevelItem(0), 0)  # nothing to jump to: no error
    finally:
        _settle(qtbot)
        w.close()
        _settle(qtbot)


def test_the_first_reader_opens_maximised_on_the_main_windows_screen(qtbot, lib, paper) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    w = open_reader(main, lib, paper[0], str(paper[1]))
    qtbot.waitUntil(lambda: w.info is not None, timeout=5000)
    assert w.isMaximized() and w.screen() is main.screen()
    w.showNormal()
    w.resize(700, 600)
    _settle(qtbot)
    w.close()
    _settle(qtbot)
    again = open_reader(main, lib, paper[0], str(paper[1]))  # then where the user left it
    qtbot.waitUntil(lambda: again.info is not None, timeout=5000)
    assert not again.isMaximized() and again.width() == 700
    _settle(qtbot)
    for win in open_windows():
        win.close()
    _settle(qtbot)
