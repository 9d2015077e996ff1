"""Item models keep Qt's contract (qtmodeltester), and the pure helpers behave."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from readinglist.records import PaperFilter
from ui.models.papers import COL, PdfRole, TagsRole, authors_short, tag_color
from ui.models.sidebar import CountRole, SidebarModel, day_label, load_snapshot
from ui.views.downloads import DownloadsModel, Entry
from ui.views.notes import render_markdown
from ui.views.paper_html import abstract_html


def test_paper_model_contract(qtbot, qtmodeltester, window, demo_lib) -> None:
    model = window.papers
    qtmodeltester.check(model)
    row = demo_lib.get(model.ids[0])
    assert model.index(0, COL["title"]).data() == row.title
    assert model.index(0, COL["tags"]).data(TagsRole) == [
        (t, tag_color(t, model.tag_colors.get(t)), t in row.auto_tags) for t in row.tags
    ]
    with_pdf = demo_lib.paper_ids(PaperFilter(has_pdf=True, dismissed=None))
    model.set_filter(PaperFilter(has_pdf=True, dismissed=None))
    qtbot.waitUntil(lambda: model.ids == with_pdf)
    assert model.index(0, COL["pdf"]).data(PdfRole) == "present"
    qtmodeltester.check(model)


def test_rows_a_paint_asks_for_are_read_once_that_paint_is_over(qtbot, window, demo_lib) -> None:
    """A worker started in the middle of a paint takes the interpreter lock from it: the rows a
    paint finds missing are read after it (their placeholders painted first), all at once."""
    model = window.papers
    model.set_filter(PaperFilter(dismissed=None))
    qtbot.waitUntil(lambda: len(model.ids) == len(demo_lib.paper_ids(PaperFilter(dismissed=None))))
    qtbot.waitUntil(lambda: not window.ctx.tasks.active())
    model._cache.clear()
    model._cells.clear()
    title = model.index(0, COL["title"])
    assert title.data() == "…" and model.index(1, COL["authors"]).data() is None
    assert "load rows" not in [h.name for h in window.ctx.tasks.active()]  # nothing read mid-paint
    qtbot.waitUntil(lambda: title.data() == demo_lib.get(model.ids[0]).title)
    assert model.index(1, COL["title"]).data() == demo_lib.get(model.ids[1]).title


def test_paper_model_sorts_in_sql(qtbot, window, demo_lib) -> None:
    window.list.horizontalHeader().setSortIndicator(COL["title"], Qt.SortOrder.AscendingOrder)
    day = demo_lib.feed_days()[0].date
    expected = demo_lib.paper_ids(PaperFilter(feed_date=day), sort="title", descending=False)
    qtbot.waitUntil(lambda: window.papers.ids == expected)
    # Tags cannot be sorted in SQL: the click is refused and the title sort stays
    window.list.horizontalHeader().setSortIndicator(COL["tags"], Qt.SortOrder.AscendingOrder)
    assert window.list.horizontalHeader().sortIndicatorSection() == COL["title"]
    assert window.papers.index(0, COL["pdf"]).data(PdfRole) in ("none", "present")


def test_sidebar_model_contract(qtmodeltester, demo_lib) -> None:
    model = SidebarModel()
    model.apply(load_snapshot(demo_lib))
    qtmodeltester.check(model)
    assert model.index_of_key("feed:latest").data(CountRole) == demo_lib.feed_days()[0].count
    assert model.index_of_key("library:library").data(CountRole) == demo_lib.counts()["library"]
    unseen = demo_lib.saved_searches()[0].unseen
    assert model.index_of_key("search:Efficient attention").data(Qt.ItemDataRole.UserRole + 5) == unseen
    # Applying the same snapshot again keeps the items (and so the selection)
    node = model.node(model.index_of_key("tag:vision"))
    model.apply(load_snapshot(demo_lib))
    assert model.node(model.index_of_key("tag:vision")) is node
    qtmodeltester.check(model)


def test_downloads_model_contract(qtmodeltester) -> None:
    model = DownloadsModel()
    model.upsert(Entry(1, "One", "downloading", 512, 2048, 1024.0))
    model.upsert(Entry(2, "Two", "failed", error="HTTP 404"))
    model.upsert(Entry(1, "One", "done", 2048, 2048))
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.index(1, 3).data() == "HTTP 404"
    model.clear_finished()
    assert model.rowCount() == 0


def test_abstract_is_escaped_and_math_legible() -> None:
    out = abstract_html('Ends with <EOS> and <a href="x">link</a>; cost $O(n^2)$ vs $O(n \\log n)$.')
    assert "&lt;EOS&gt;" in out and "<a href" not in out
    assert "O(n²)" in out and "O(n log n)" in out


def test_markdown_preview_escapes_raw_html() -> None:
    out = render_markdown("# Title\n\n<script>alert(1)</script> **bold** & more")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<strong>bold</strong>" in out and "<h1>Title</h1>" in out


def test_small_helpers() -> None:
    today = dt.date(2025, 3, 12)
    assert day_label(today, today) == "Today"
    assert day_label(today - dt.timedelta(days=1), today) == "Yesterday"
    assert day_label(dt.date(2024, 12, 30), today) == "Mon 30 Dec 2024"
    assert authors_short(("Zoë Ng", "Å B", "C D")) == "Zoë Ng et al."
    assert authors_short(("Zoë Ng", "Å B")) == "Zoë Ng and Å B"
    assert tag_color("x", "#123456") == "#123456" and tag_color("x", None).startswith("#")
