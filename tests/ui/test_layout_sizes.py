"""At 1024×700 every triage column is on screen (the title elides first, authors and tags
shrink), the details pane yields width, and the toolbar overflows into its menu; at large
sizes the extra width is shared."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolBar, QToolButton

from ui.models.papers import COL


def _at(qtbot, win, w: int, h: int) -> None:  # type: ignore[no-untyped-def]
    win.resize(w, h)
    win.show()
    qtbot.waitUntil(lambda: win.width() == w, timeout=5000)
    qtbot.wait(400)  # the deferred fits run (splitter, then columns)


def _on_screen(win) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    hh, vp = win.list.horizontalHeader(), win.list.viewport().width()
    return {
        key: hh.sectionViewportPosition(n) >= 0 and hh.sectionViewportPosition(n) + hh.sectionSize(n) <= vp
        for key, n in COL.items()
    }


def test_small_window_shows_every_column(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _at(qtbot, window, 1400, 900)
    details_wide = window.splitter.sizes()[2]
    _at(qtbot, window, 1024, 700)
    assert all(_on_screen(window).values()), _on_screen(window)
    assert not window.list.horizontalScrollBar().isVisible()
    hh = window.list.horizontalHeader()
    fit = window.list.columns
    assert hh.sectionSize(COL["title"]) >= fit.title_min
    assert hh.sectionSize(COL["authors"]) < fit.preferred["authors"]  # authors gave width
    assert hh.sectionSize(COL["date"]) >= fit.minimum["date"]  # the date is never cut
    assert window.splitter.sizes()[2] < details_wide  # the details pane yielded


def test_user_widths_come_back_when_the_window_grows(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _at(qtbot, window, 1024, 700)
    _at(qtbot, window, 1400, 900)
    hh = window.list.horizontalHeader()
    assert hh.sectionSize(COL["authors"]) == window.list.columns.preferred["authors"]
    assert window.splitter.sizes()[0] == 222 and window.splitter.sizes()[2] == 410


def test_large_window_shares_the_extra_width(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _at(qtbot, window, 1400, 900)
    before = window.splitter.sizes()
    _at(qtbot, window, 2560, 1440)
    after = window.splitter.sizes()
    assert after[2] > before[2] and after[1] > before[1]  # details and list both grow
    hh = window.list.horizontalHeader()
    assert hh.sectionSize(COL["authors"]) > window.list.columns.preferred["authors"]


@pytest.mark.parametrize("width", [1024, 800])
def test_the_toolbar_overflows_into_a_menu(qtbot, window, width: int) -> None:  # type: ignore[no-untyped-def]
    _at(qtbot, window, width, 700)
    tb = window.findChild(QToolBar, "mainToolbar")
    ext = tb.findChild(QToolButton, "qt_toolbar_ext_button")
    hidden = [
        a.text() for a in tb.actions() if tb.widgetForAction(a) and not tb.widgetForAction(a).isVisible()
    ]
    assert not hidden or (ext is not None and ext.isVisible()), hidden
    if width == 1024:
        save_search = window.actions_[next(a for a in window.actions_._actions if a.name == "SAVE_SEARCH")]
        assert tb.widgetForAction(save_search).isVisible()


def test_the_first_window_fits_a_small_screen() -> None:
    from PySide6.QtCore import QSize

    from ui.main_window import FIRST_SIZE, first_size

    assert first_size(QSize(2560, 1400)) == FIRST_SIZE
    small = first_size(QSize(1024, 672))  # 1024×700 less a 28 px panel
    # the window manager's frame (a title bar of ~25 px, borders) still fits around it
    assert small.width() <= 1024 - 40 and small.height() <= 672 - 40
    assert small.width() >= 900 and small.height() >= 600  # and it is not needlessly small


def test_short_details_pane_scrolls_instead_of_squeezing(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _at(qtbot, window, 1024, 700)
    d = window.details
    qtbot.waitUntil(lambda: d.row is not None, timeout=5000)
    d.splitter.setSizes([300, 400])  # a short top, as on a 700 px screen
    qtbot.wait(50)
    top = d.top_scroll.widget()
    assert top.height() > d.top_scroll.viewport().height()  # it scrolls
    lay = top.layout()
    for i in range(lay.count()):
        w = lay.itemAt(i).widget()
        if w is None or not w.isVisible() or w is d.abstract:
            continue
        need = w.heightForWidth(w.width()) if w.hasHeightForWidth() else w.minimumSizeHint().height()
        assert w.height() >= need, (w.objectName() or type(w).__name__, w.height(), need)


def test_the_details_scroll_area_is_not_a_tab_stop(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    d = window.details
    qtbot.mouseClick(d.top_scroll.viewport(), Qt.MouseButton.LeftButton)
    assert not d.top_scroll.hasFocus()
    assert d.top_scroll.focusPolicy() == Qt.FocusPolicy.NoFocus
