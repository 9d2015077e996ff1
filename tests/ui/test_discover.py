"""Discover: remote search from the search box, added to the library with a key, paged, offline-safe."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from werkzeug import Request, Response

from readinglist.records import PaperFilter
from readinglist.services import discovery, papers
from ui.models.remote import RCOL

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
HF_IDS = ["2510.04001", "2510.04004", "2509.11111", "2508.22222"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    discovery.clear_cache()  # the session's httpserver keeps one address: never reuse a result


def serve_hf(httpserver, calls: list[str] | None = None) -> str:  # type: ignore[no-untyped-def]
    body = (FIX / "hf_search_diffusion.json").read_bytes()

    def handler(req: Request) -> Response:
        if calls is not None:
            calls.append(req.args.get("q", ""))
        return Response(body, content_type="application/json")

    httpserver.expect_request("/api/papers/search").respond_with_handler(handler)
    return httpserver.url_for("").rstrip("/")


def search(qtbot, win, source: str, text: str) -> None:  # type: ignore[no-untyped-def]
    win.source.setCurrentIndex(win.source.findData(source))
    assert win.pages.currentWidget() is win.discover_page
    win.search.setFocus()
    win.search.selectAll()
    qtbot.keyClicks(win.search, text)
    qtbot.keyClick(win.search, Qt.Key.Key_Return)


def test_hugging_face_search_runs_off_the_gui_thread_and_adds_with_a_key(
    qtbot, qtmodeltester, make_window, open_demo, httpserver, monkeypatch
) -> None:
    calls: list[str] = []
    lib = open_demo(hf=serve_hf(httpserver, calls))
    threads: list[int] = []
    real = discovery.discover

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(discovery, "discover", spy)
    win = make_window(lib)
    win.source.setCurrentIndex(win.source.findData("hf"))
    qtbot.keyClicks(win.search, "diffusion")
    qtbot.wait(300)  # longer than the library's debounce: typing alone must not reach the host
    assert calls == []
    qtbot.keyClick(win.search, Qt.Key.Key_Return)
    model = win.discover.model
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=10000)
    assert calls == ["diffusion"]
    assert threads and threading.get_ident() not in threads
    qtmodeltester.check(model)
    assert [r.paper.arxiv_id for r in model.results] == HF_IDS
    assert model.index(0, RCOL["upvotes"]).data() == 45
    assert model.index(0, RCOL["source"]).data() == "Hugging Face"
    assert "Hugging Face" in win.discover_page.title.text() and "4 results" in win.discover_page.title.text()
    # The first result is current and previewed where the details pane was
    assert win.right.currentWidget() is win.discover_page.preview
    assert "StreamWeaver" in win.discover_page.preview.toPlainText()
    assert "Haruto Sato, Emily Clarke, Marek Dvořák" in win.discover_page.preview.toPlainText()

    before = lib.count(PaperFilter(dismissed=None))
    view = win.discover_page.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: model.results[0].in_library, timeout=5000)
    pid = lib.resolve("2510.04001")
    assert lib.get(pid).saved
    assert model.index(0, RCOL["held"]).data() == "✓ Library"
    assert lib.count(PaperFilter(dismissed=None)) == before + 1
    # a again: nothing is written twice
    qtbot.keyClick(view, Qt.Key.Key_A)
    win.ctx.tasks.wait()
    assert lib.count(PaperFilter(dismissed=None)) == before + 1
    qtbot.waitUntil(lambda: any("Already in your library" in n.message for n in win.notice.history))
    # Enter adds the selection too
    view.selectRow(2)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.results[2].in_library, timeout=5000)
    assert lib.get(lib.resolve("2509.11111")).saved
    assert lib.count(PaperFilter(dismissed=None)) == before + 2
    assert not win.discover_page.more_btn.isEnabled()  # Hugging Face said: 4 in all

    # Escape goes back to the library list, which still works
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert win.source.source() == "library"
    assert win.pages.currentWidget() is not win.discover_page
    assert win.right.currentWidget() is win.details
    first = win.list.current_id()
    win.list.setFocus()
    qtbot.keyClick(win.list, Qt.Key.Key_J)
    assert win.list.current_id() != first


def test_arxiv_results_page_with_more_results(
    qtbot, qtmodeltester, make_window, open_demo, httpserver
) -> None:
    pages = {"0": "arxiv_search_p1.xml", "3": "arxiv_search_p2.xml"}
    starts: list[str] = []

    def handler(req: Request) -> Response:
        starts.append(req.args["start"])
        body = (FIX / pages.get(req.args["start"], "arxiv_search_empty.xml")).read_bytes()
        return Response(body, content_type="application/atom+xml")

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    lib = open_demo(arxiv=httpserver.url_for("").rstrip("/"))
    win = make_window(lib)
    search(qtbot, win, "arxiv", "ti:diffusion AND cat:cs.CV")
    model = win.discover.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=10000)
    assert "3 of 5 results" in win.discover_page.title.text()
    assert model.index(0, RCOL["source"]).data() == "arXiv"
    assert win.discover_page.more_btn.isEnabled()
    win.discover_page.more_btn.click()
    qtbot.waitUntil(lambda: model.rowCount() == 5, timeout=10000)
    qtmodeltester.check(model)
    assert starts == ["0", "3"]
    assert not win.discover_page.more_btn.isEnabled()
    assert "5 results" in win.discover_page.title.text()


def test_offline_search_notifies_and_the_app_keeps_working(qtbot, make_window, open_demo) -> None:
    lib = open_demo()  # every endpoint is a closed port
    lib.http.policy.retries = 0
    win = make_window(lib)
    search(qtbot, win, "hf", "diffusion")
    qtbot.waitUntil(lambda: not win.discover.busy, timeout=10000)
    qtbot.waitUntil(lambda: win.notice.current is not None and win.notice.current.level == "error")
    assert "Hugging Face could not be reached" in win.notice.text.text()
    assert "failed" in win.discover_page.title.text()
    assert win.discover.model.rowCount() == 0
    # Back to the library: it answers as before
    win.search.setFocus()
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    assert win.pages.currentWidget() is not win.discover_page
    # Leaving discovery restores the library's own query (none here): the remote words stay behind
    assert win.search.text() == ""
    qtbot.waitUntil(lambda: win.list_title.text().startswith("Today"))
    qtbot.waitUntil(lambda: win.list.current_id() == win.papers.ids[0])
    win.list.setFocus()
    pid = win.list.current_id()
    was_saved = lib.get(pid).saved
    qtbot.keyClick(win.list, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: lib.get(pid).saved is not was_saved)


def test_a_newer_search_drops_the_older_ones_results(qtbot, make_window, open_demo, httpserver) -> None:
    full = (FIX / "hf_search_diffusion.json").read_bytes()

    def handler(req: Request) -> Response:
        if req.args["q"] == "slow":
            time.sleep(0.6)
            return Response(full, content_type="application/json")
        return Response((FIX / "hf_search_empty.json").read_bytes(), content_type="application/json")

    httpserver.expect_request("/api/papers/search").respond_with_handler(handler)
    win = make_window(open_demo(hf=httpserver.url_for("").rstrip("/")))
    search(qtbot, win, "hf", "slow")
    qtbot.waitUntil(lambda: win.discover.busy)
    search(qtbot, win, "hf", "nothing")
    qtbot.waitUntil(lambda: not win.discover.busy, timeout=5000)
    qtbot.wait(900)  # the slow answer arrives meanwhile, and must be dropped
    assert win.discover.model.rowCount() == 0
    assert "No results" in win.discover_page.title.text()


def test_upvotes_column_has_a_header_and_a_tooltip(window) -> None:
    from ui.models.papers import COL

    h = Qt.Orientation.Horizontal
    assert window.papers.headerData(COL["upvotes"], h) == "Upvotes"
    assert "Hugging Face" in window.papers.headerData(COL["upvotes"], h, Qt.ItemDataRole.ToolTipRole)


def test_feed_papers_are_marked_apart_from_saved_ones_and_can_be_saved(
    qtbot, make_window, open_demo, httpserver
) -> None:  # type: ignore[no-untyped-def]
    from readinglist.records import PaperMeta

    lib = open_demo(hf=serve_hf(httpserver))
    papers.upsert(lib, [PaperMeta(title="Feed only", arxiv_id=HF_IDS[1])])  # the feed listed it, not saved
    papers.upsert(lib, [PaperMeta(title="Kept", arxiv_id=HF_IDS[2])], save=True)
    win = make_window(lib)
    search(qtbot, win, "hf", "diffusion")
    model = win.discover.model
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=10000)
    held = [model.index(r, RCOL["held"]).data() for r in range(4)]
    assert held == ["", "Feed", "✓ Library", ""]
    view = win.discover_page.view
    view.selectRow(1)
    assert "In your feed" in win.discover_page.preview.toPlainText()
    assert win.discover_page.add_btn.isEnabled()  # a feed paper can be saved
    view.selectRow(2)
    assert "Saved in your library" in win.discover_page.preview.toPlainText()
    assert not win.discover_page.add_btn.isEnabled()
    view.selectRow(1)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: model.results[1].in_library, timeout=5000)
    assert lib.get(lib.resolve(HF_IDS[1])).saved
    assert model.index(1, RCOL["held"]).data() == "✓ Library"


def test_ctrl_shift_f_cycles_the_sources_and_leaving_restores_the_library_query(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.search.setFocus()
    qtbot.keyClicks(window.search, "routing")
    qtbot.waitUntil(lambda: window.list_title.text().startswith("Search: routing"))
    hits = list(window.papers.ids)
    seen = []
    for _ in range(3):
        qtbot.keyClick(
            window.search,
            Qt.Key.Key_F,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        seen.append(window.source.source())
        if window.search.remote:
            window.search.selectAll()
            qtbot.keyClicks(window.search, "something remote")
    assert seen == ["hf", "arxiv", "library"]
    assert window.search.text() == "routing"
    qtbot.waitUntil(lambda: window.list_title.text().startswith("Search: routing"))
    assert window.papers.ids == hits
