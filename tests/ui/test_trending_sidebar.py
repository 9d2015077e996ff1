"""Trending in the sidebar: This week and This month list the window's feed papers, most upvoted
first, with the window in the tooltip; the empty state says what to do."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from readinglist.services.library import Library
from readinglist.services.trending import window_of
from ui.views.list_pane import View, empty_for


def test_this_week_and_this_month(qtbot, window, demo_lib: Library) -> None:  # type: ignore[no-untyped-def]
    newest = max(d.date for d in demo_lib.feed_days() if d.date <= dt.date.today())
    for span in ("week", "month"):
        w = window_of(span, newest)  # type: ignore[arg-type]
        # the list sorts by upvotes (a column the user can click), ties broken as that sort does
        expected = demo_lib.paper_ids(w.filter(), sort="upvotes", descending=True)
        assert expected, "the demo library has feed papers in its newest week and month"
        node = window.sidebar.sidebar.index_of_key(f"feed:{span}")
        assert node.isValid() and node.data() == f"This {span}"
        assert w.label in node.data(Qt.ItemDataRole.ToolTipRole)
        window.sidebar.select_key(f"feed:{span}")
        qtbot.waitUntil(lambda e=expected: window.papers.has_loaded and window.papers.ids == e, timeout=15000)
        ups = [demo_lib.get(i).upvotes for i in window.papers.ids]
        assert ups == sorted(ups, reverse=True)
        assert window.papers.query.sort == "upvotes"


def test_an_empty_window_says_what_to_do() -> None:
    e = empty_for(View("feed:week", "This week", 0))
    assert e is not None and "No feed papers this week" in e.title and "sync" in e.actions
