"""Counts that agree, the sidebar during a search, bad searches explained, empty states, and
a start-up whose first paint is the remembered view."""

from __future__ import annotations

import datetime as dt
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from readinglist.db.queries import PaperFilter
from readinglist.records import Changes
from readinglist.services import reading_lists
from readinglist.services import sync as syncsvc
from ui.dialogs import prompt
from ui.models.sidebar import CountRole, KeyRole
from ui.views.delegates import pill_colors


def _sidebar_count(window, key: str) -> int:  # type: ignore[no-untyped-def]
    return int(window.sidebar.sidebar.index_of_key(key).data(CountRole))


def _type(qtbot, window, text: str) -> None:  # type: ignore[no-untyped-def]
    window.search.setFocus()
    window.search.clear()
    qtbot.keyClicks(window.search, text)


def test_sidebar_and_header_agree_after_a_dismiss(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    n = window.papers.rowCount()
    assert _sidebar_count(window, "feed:latest") == n
    assert f"{n} papers" in window.list_title.text()
    victim = window.list.current_id()
    qtbot.keyClick(window.list, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: victim not in window.papers.ids)
    qtbot.waitUntil(lambda: _sidebar_count(window, "feed:latest") == n - 1)
    assert window.papers.rowCount() == n - 1
    assert f"{n - 1} papers" in window.list_title.text()
    # Every counted sidebar item says what its view lists.
    model = window.sidebar.sidebar
    for section in model.root.children:
        for node in section.children:
            if node.count is not None and node.filter is not None:
                assert node.count == demo_lib.count(node.filter), node.key


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        ch = [c.redF(), c.greenF(), c.blueF()]
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_selected_items_badge_is_legible_in_both_themes() -> None:
    from ui.appearance import _palette

    for dark in (False, True):
        pal = _palette(dark)
        for selected in (False, True):
            bg, fg = pill_colors(pal, selected=selected, alert=False)
            base = pal.color(pal.ColorRole.Base)
            # A translucent pill sits on the row's background: blend it before measuring.
            a = bg.alphaF()
            shown = QColor.fromRgbF(
                bg.redF() * a + base.redF() * (1 - a),
                bg.greenF() * a + base.greenF() * (1 - a),
                bg.blueF() * a + base.blueF() * (1 - a),
            )
            assert _contrast(shown, fg) >= 4.5, (dark, selected)


def test_a_search_leaves_the_sidebar_and_clearing_it_comes_back(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    assert window.sidebar.currentIndex().data(KeyRole) == "feed:latest"
    day_ids = list(window.papers.ids)
    _type(qtbot, window, "routing")
    qtbot.waitUntil(lambda: window.list_title.text().startswith("Search: routing"))
    assert not window.sidebar.currentIndex().isValid()
    assert not window.sidebar.selectionModel().hasSelection()
    window.sidebar.refresh()  # a refresh (a sync, say) must not pull the view back
    window.ctx.tasks.wait()
    qtbot.wait(100)
    assert window.list_title.text().startswith("Search: routing")
    window.search.clear()
    qtbot.waitUntil(lambda: window.sidebar.currentIndex().data(KeyRole) == "feed:latest")
    qtbot.waitUntil(lambda: window.papers.ids == day_ids)


def test_a_bad_search_is_explained_under_the_box_and_the_header_follows(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _type(qtbot, window, "routing")
    qtbot.waitUntil(lambda: window.list_title.text().startswith("Search: routing"))
    _type(qtbot, window, 'year:abc "unclosed')
    err = window.middle.search_error
    qtbot.waitUntil(lambda: err.isVisible())
    assert "year:abc" in err.text() and "try year:2024" in err.text()
    assert window.list_title.text().startswith('Search: year:abc "unclosed')
    _type(qtbot, window, "routing")
    qtbot.waitUntil(lambda: not err.isVisible())


def test_a_search_without_hits_says_what_was_searched_and_how_to_widen_it(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _type(qtbot, window, "zzyzx")
    empty = window.middle.empty
    qtbot.waitUntil(lambda: empty.isVisible())
    assert "zzyzx" in empty.title.text()
    assert "fewer words" in empty.text.text() and "PDF text" in empty.text.text()
    labels = [b.text() for b in empty.button_widgets]
    assert labels == ["Search Hugging Face", "Search arXiv", "Clear the search"]
    empty.button_widgets[0].click()
    assert window.source.source() == "hf"


def test_an_empty_list_says_how_to_fill_it(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    reading_lists.create(demo_lib, "Empty one")
    qtbot.waitUntil(lambda: window.sidebar.sidebar.index_of_key("list:Empty one").isValid())
    window.sidebar.select_key("list:Empty one")
    qtbot.waitUntil(lambda: window.middle.empty.isVisible())
    assert window.middle.empty.title.text() == "“Empty one” is empty"
    assert "Add to reading list" in window.middle.empty.text.text()


def test_a_new_library_says_what_to_do_first(qtbot, make_window, lib, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    monkeypatch.setattr(prompt, "ask_text", lambda *a, **k: asked.append(a[1]) or None)
    win = make_window(lib)
    empty = win.middle.empty
    assert empty.isVisible()
    assert empty.title.text() == "Your library is empty"
    assert [b.text() for b in empty.button_widgets] == [
        "Sync now",
        "Import .bib or PDFs…",
        "Add by arXiv id…",
    ]
    empty.button_widgets[2].click()
    assert asked == ["Add papers"]
    assert win.details.empty.isVisible()


def test_first_launch_shows_syncing_then_the_newest_day(qtbot, make_window, httpserver, lib) -> None:  # type: ignore[no-untyped-def]
    from werkzeug import Response

    def slow(_req):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(slow)
    from readinglist.config import Endpoints

    base = httpserver.url_for("").rstrip("/")
    lib.endpoints = Endpoints(hf=base, arxiv=base, arxiv_api=base + "/api/query", arxiv_delay=0)
    win = make_window(lib)
    win.sync.sync_now()
    qtbot.waitUntil(lambda: win.middle.empty.title.text() == "Fetching the Daily Papers…")
    assert "syncing…" in win.list_title.text()
    qtbot.waitUntil(lambda: not win.sync.running, timeout=20000)
    qtbot.waitUntil(lambda: win.middle.empty.title.text() == "Your library is empty")


def test_the_newest_day_is_taken_as_soon_as_the_first_sync_brings_it(qtbot, make_window, served_lib) -> None:  # type: ignore[no-untyped-def]
    win = make_window(served_lib)
    assert win.sidebar.currentIndex().data(KeyRole) == "library:library"  # nothing synced yet
    syncsvc.sync_days(served_lib, [dt.date(2024, 5, 30)])
    qtbot.waitUntil(lambda: win.sidebar.currentIndex().data(KeyRole) == "feed:latest", timeout=10000)
    qtbot.waitUntil(lambda: win.papers.rowCount() > 0)
    assert win.papers.query.filter == PaperFilter(feed_date=dt.date(2024, 5, 30))


def test_start_up_shows_only_the_remembered_view(qtbot, demo_lib, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ui.app import apply_appearance, build_context
    from ui.main_window import MainWindow
    from ui.settings import Settings
    from ui.views.icons import register_search_paths

    register_search_paths()
    settings = Settings(tmp_path / "ui.ini")
    apply_appearance(settings, "light")
    ctx = build_context(demo_lib, settings)
    win = MainWindow(ctx)
    loads: list[PaperFilter] = []  # the query of every load the model starts
    reload = win.papers.reload
    win.papers.reload = lambda: (loads.append(win.papers.query.filter), reload())[1]  # type: ignore[method-assign]
    ctx.bus.post(Changes(papers=frozenset({1}), feed=True))  # a sync's day landing at start
    qtbot.wait(400)  # delivered (the bus coalesces for 40 ms) before the window has a view
    assert not win.sidebar.loaded and not win.papers.has_loaded  # nothing loads before start()
    visible_at_ready: list[bool] = []
    win.ready.connect(lambda: visible_at_ready.append(win.isVisible()))
    win.start()
    win.show_when_ready()
    assert not win.isVisible()  # no half-loaded first paint
    qtbot.waitUntil(lambda: bool(visible_at_ready), timeout=15000)
    assert visible_at_ready == [True]
    newest = demo_lib.feed_days()[0].date
    assert loads and all(f == PaperFilter(feed_date=newest) for f in loads), loads  # never "every paper"
    win.close()
    ctx.bus.detach()


def test_the_sidebar_read_while_the_window_is_built_is_shown_at_start_not_read_again(  # type: ignore[no-untyped-def]
    qtbot, demo_lib, tmp_path, monkeypatch
) -> None:
    import ui.views.sidebar as sidebar_view
    from ui.app import apply_appearance, build_context
    from ui.main_window import MainWindow
    from ui.settings import Settings
    from ui.views.icons import register_search_paths

    reads: list[int] = []
    real = sidebar_view.load_snapshot
    monkeypatch.setattr(sidebar_view, "load_snapshot", lambda lib: (reads.append(1), real(lib))[1])
    register_search_paths()
    settings = Settings(tmp_path / "ui.ini")
    apply_appearance(settings, "light")
    ctx = build_context(demo_lib, settings)
    win = MainWindow(ctx)
    qtbot.waitUntil(lambda: win.sidebar._early is not None, timeout=10000)  # read while building
    assert not win.sidebar.loaded and win.sidebar.sidebar.snapshot is None  # but not shown yet
    win.start()
    assert win.sidebar.loaded  # shown at once
    qtbot.waitUntil(lambda: win.is_ready, timeout=15000)
    assert len(reads) == 1
    win.close()
    ctx.bus.detach()
