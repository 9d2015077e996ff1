"""Search results say why a paper matched: marked terms in the list and the details pane, and
the PDF pages with a fragment for hits in the PDF text."""

from __future__ import annotations

from PySide6.QtGui import QColor

from readinglist.db import fts
from readinglist.records import PaperMeta
from readinglist.search import MARK_OPEN
from readinglist.services import papers
from ui.models.papers import COL, MatchRole
from ui.views.delegates import MARK_BG


def _library(lib) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    ids, _ = papers.upsert(
        lib,
        [
            PaperMeta(
                title="Sparse Routing in $O(n)$ for Mixtures", arxiv_id="2401.00001", abstract="Experts."
            ),
            PaperMeta(title="A Protocol Paper", arxiv_id="2401.00002", abstract="Nothing here."),
        ],
        save=True,
    )
    with lib.change("Index a test PDF's text", undoable=False) as tx:
        fts.replace_pdf_text(tx.session, ids[1], ["intro", "the zanzibar protocol", "zanzibar again"])
    return ids[0], ids[1]


def _search(qtbot, win, text: str) -> None:  # type: ignore[no-untyped-def]
    win.search.setFocus()
    win.search.clear()
    qtbot.keyClicks(win.search, text)
    qtbot.waitUntil(lambda: win.list_title.text().startswith(f"Search: {text}"))


def test_the_list_highlights_the_matched_words_in_titles(qtbot, make_window, lib) -> None:  # type: ignore[no-untyped-def]
    a, _ = _library(lib)
    win = make_window(lib)
    _search(qtbot, win, "routing")
    idx = win.papers.index(win.papers.row_of(a), COL["title"])
    qtbot.waitUntil(lambda: bool(idx.data(MatchRole)))
    marked = idx.data(MatchRole)
    assert MARK_OPEN + "Routing" in marked and "O(n)" in marked  # TeX shown as Unicode too
    win.list.clearSelection()  # the selection colour would hide the mark
    win.list.selectionModel().clearCurrentIndex()
    img = win.list.viewport().grab(win.list.visualRect(idx)).toImage()
    colours = {img.pixelColor(x, y).name() for x in range(img.width()) for y in range(img.height())}
    assert QColor(MARK_BG).name() in colours
    win.search.clear()
    qtbot.waitUntil(lambda: not win.list_title.text().startswith("Search:"))
    assert win.papers.index(0, COL["title"]).data(MatchRole) is None  # no search, no marks


def test_the_details_pane_says_on_which_pdf_pages_a_paper_matched(qtbot, make_window, lib) -> None:  # type: ignore[no-untyped-def]
    _, b = _library(lib)
    win = make_window(lib)
    _search(qtbot, win, "zanzibar")
    assert win.papers.ids == [b]
    why = win.details.why
    qtbot.waitUntil(lambda: why.isVisible())
    assert "Found in the PDF" in why.text() and "pages 2, 3" in why.text()
    assert "zanzibar" in why.text() and "background-color" in why.text()  # the word is marked


def test_the_details_pane_marks_the_title_and_abstract(qtbot, make_window, lib) -> None:  # type: ignore[no-untyped-def]
    a, _ = _library(lib)
    win = make_window(lib)
    _search(qtbot, win, "experts")
    assert win.papers.ids == [a]
    qtbot.waitUntil(
        lambda: (
            "background-color" in win.details.abstract.toHtml() and "#fde68a" in win.details.abstract.toHtml()
        )
    )


def test_leaving_the_search_drops_the_marks(qtbot, make_window, lib) -> None:  # type: ignore[no-untyped-def]
    _library(lib)
    win = make_window(lib)
    _search(qtbot, win, "zanzibar")
    qtbot.waitUntil(lambda: win.details.why.isVisible())
    win.search.clear()
    qtbot.waitUntil(lambda: not win.list_title.text().startswith("Search:"))
    qtbot.waitUntil(lambda: not win.details.why.isVisible())
    assert "#fde68a" not in win.details.title.text()


def test_a_new_search_starts_at_its_first_row_in_view(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.list.select_row(window.papers.rowCount() - 1)  # a paper far down the day's list
    _search(qtbot, window, "routing")
    qtbot.waitUntil(lambda: window.list.current_id() == window.papers.ids[0])
    qtbot.wait(50)  # after the list's own deferred scroll
    assert window.list.rowAt(0) == 0


def test_the_title_tooltip_carries_the_pdf_pages(qtbot, make_window, lib) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    _library(lib)
    win = make_window(lib)
    _search(qtbot, win, "zanzibar")
    tip = win.papers.index(0, COL["title"]).data(Qt.ItemDataRole.ToolTipRole)
    assert "In the PDF, p. 2, 3: the zanzibar protocol" in tip
