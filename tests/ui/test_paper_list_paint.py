"""The paper table's viewport is opaque (a scroll step moves pixels and paints only the rows it
uncovers) and so paints its own background: nothing of what was there before shows below the
last row, in either theme."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPixmap

from readinglist.records import PaperFilter
from ui.app import apply_appearance


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_below_the_last_row_is_the_tables_background(qtbot, window, theme: str) -> None:  # type: ignore[no-untyped-def]
    apply_appearance(window.ctx.settings, theme)
    window.resize(1200, 800)
    window.show()
    window.papers.set_query(PaperFilter(saved=None))
    qtbot.waitUntil(lambda: window.papers.rowCount() > 3)
    title = window.ctx.lib.get(window.papers.ids[0]).title
    window.papers.set_query(PaperFilter(query=f'"{title}"'))
    qtbot.waitUntil(lambda: 0 < window.papers.rowCount() <= 3, timeout=10000)
    vp = window.list.viewport()
    assert vp.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    stale = QPixmap(vp.size())
    stale.fill(QColor("#ff00ff"))  # what an opaque widget's backing store may hold
    vp.render(stale, QPoint(0, 0))
    img = stale.toImage()
    below = window.list.rowViewportPosition(window.papers.rowCount() - 1) + window.list.rowHeight(0) + 4
    assert below < vp.height() - 4
    base = vp.palette().color(vp.backgroundRole())
    for x in (2, vp.width() // 2, vp.width() - 3):
        for y in (below, vp.height() - 3):
            assert img.pixelColor(x, y).name() == base.name(), (theme, x, y)
