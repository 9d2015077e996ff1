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


def _both_ways(window) -> tuple[object, object]:  # type: ignore[no-untyped-def]
    """The viewport painted by the view's row painter and by Qt cell by cell."""
    from PySide6.QtGui import QImage

    view = window.list
    shots = []
    for own in (True, False):
        view.paints_rows = own
        shots.append(view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32))
    view.paints_rows = True
    return shots[0], shots[1]


def _differing(a, b) -> int:  # type: ignore[no-untyped-def]
    assert a.size() == b.size()
    return sum(1 for y in range(a.height()) for x in range(a.width()) if a.pixel(x, y) != b.pixel(x, y))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_rows_paint_as_qt_paints_them_cell_by_cell(qtbot, window, theme: str) -> None:  # type: ignore[no-untyped-def]
    """The row painter (ui/views/row_paint.py) draws every kind of cell where and as Qt's
    delegates draw it: selected and alternate rows, bold unread titles, dimmed dismissed papers,
    stars, an alert's bell, tag chips, PDF icons, placeholders and a search's marks."""
    from ui.models.papers import COL, TagsRole

    apply_appearance(window.ctx.settings, theme)
    window.resize(1200, 900)
    window.show()
    model, view = window.papers, window.list
    model.set_query(PaperFilter(saved=None))
    qtbot.waitUntil(lambda: model.rowCount() > 20 and model.row(20) is not None, timeout=10000)
    from readinglist.services.papers import dismiss

    dismiss(window.ctx.lib, [model.ids[7], model.ids[8]])
    model.set_query(PaperFilter(saved=None, dismissed=None))  # dismissed papers shown, dimmed
    qtbot.waitUntil(
        lambda: any(model.row(r) is not None and model.row(r).dismissed for r in range(20)), timeout=10000
    )
    shown = range(max(0, view.rowAt(view.viewport().height() - 1)))
    rows = [model.row(r) for r in shown]
    assert all(rows)
    kinds = {
        "starred": any(r.starred for r in rows),
        "bold": any(r.saved and r.status == "unread" for r in rows),
        "dismissed": any(r.dismissed for r in rows),
        "tags": any(model.cell(n, COL["tags"], int(TagsRole)) for n in shown),
        "pdf": any(r.pdf for r in rows),
    }
    assert all(kinds.values()), kinds  # the demo library shows each kind on the first screen
    model.set_new([model.ids[1], model.ids[2]])
    model.set_downloading({model.ids[4]})
    view.select_row(3)
    own, qt = _both_ways(window)
    assert _differing(own, qt) == 0

    from ui import settings as keys

    size = view.font().pointSizeF()
    window.ctx.settings.set(keys.FONT_SIZE, round(size) + 3)  # the text size, changed in a session
    try:
        apply_appearance(window.ctx.settings, theme)
        qtbot.waitUntil(lambda: view.font().pointSizeF() == round(size) + 3)
        own, qt = _both_ways(window)
        # Nothing elided for the old size is reused (that was 28,000 pixels). At this size the
        # two paths' text may round one glyph's antialiased edge apart: 2 pixels here.
        assert _differing(own, qt) < 20
    finally:
        window.ctx.settings.set(keys.FONT_SIZE, 0)
        apply_appearance(window.ctx.settings, theme)

    model._cache = {k: v for k, v in model._cache.items() if model.row_of(k) < 6}  # the rest are placeholders
    model._request_page = lambda page: None  # type: ignore[method-assign]
    own, qt = _both_ways(window)
    assert _differing(own, qt) == 0


def test_a_searchs_marks_paint_as_qt_paints_them(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from ui.models.papers import COL, MatchRole

    window.resize(1200, 900)
    window.show()
    model = window.papers
    model.set_query(PaperFilter(saved=None))
    qtbot.waitUntil(lambda: model.rowCount() > 3 and model.row(0) is not None)
    word = max(model.row(0).title.split(), key=len)
    model.set_query(PaperFilter(query=word))
    qtbot.waitUntil(
        lambda: model.rowCount() > 0 and model.query.filter.query == word and model._reload is None
    )
    qtbot.waitUntil(lambda: bool(model.cell(0, COL["title"], int(MatchRole))))
    own, qt = _both_ways(window)
    assert _differing(own, qt) == 0
