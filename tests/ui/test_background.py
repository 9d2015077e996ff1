"""Sync, downloads and imports from the window: off the GUI thread, with progress, cancellable."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from werkzeug import Request, Response

from readinglist.records import PaperFilter
from readinglist.services import sync as syncsvc
from readinglist.services.sync import today_utc


def daily_json(day: dt.date, n: int = 6) -> str:
    stamp = day.strftime("%y%m")
    return json.dumps(
        [
            {
                "paper": {
                    "id": f"{stamp}.9{day.day:02d}{i:02d}",
                    "title": f"Synced paper {i} of {day.isoformat()}",
                    "authors": [{"name": "Ada Lovelace"}, {"name": "Jürgen Müller"}],
                    "summary": f"Abstract {i}: attention at $O(n^2)$ cost.",
                    "publishedAt": f"{day.isoformat()}T00:00:00.000Z",
                    "upvotes": 100 + i,
                },
                "numComments": i,
            }
            for i in range(n)
        ]
    )


def test_sync_runs_in_the_background_with_progress(
    qtbot, make_window, open_demo, httpserver, monkeypatch
) -> None:
    threads: list[int] = []
    real = syncsvc.sync_days

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(syncsvc, "sync_days", spy)

    def handler(request: Request) -> Response:
        time.sleep(0.05)  # slow enough for the progress bar to be seen
        day = dt.date.fromisoformat(request.args["date"])
        return Response(daily_json(day), content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    lib = open_demo(hf=httpserver.url_for("").rstrip("/"))
    win = make_window(lib)
    before = lib.count(PaperFilter(dismissed=None))
    win.sync.sync_now()
    qtbot.waitUntil(lambda: win.jobs.isVisible(), timeout=3000)
    assert "Sync" in win.jobs.label.text()
    qtbot.waitUntil(lambda: not win.sync.running, timeout=20000)
    days = len(syncsvc.days_to_sync(lib, days=7))
    assert lib.count(PaperFilter(dismissed=None)) == before + 6 * days
    assert threads and threading.get_ident() not in threads
    assert not win.jobs.isVisible()
    # The newest day (today, in UTC) now lists the synced papers in the window
    qtbot.waitUntil(lambda: any(s.date == today_utc() for s in lib.feed_days()))
    assert lib.setting("last_sync") == today_utc().isoformat()
    qtbot.waitUntil(
        lambda: "new papers" in (win.notice.text.text() + " ".join(n.message for n in win.notice.history))
    )


def test_sync_can_be_cancelled(qtbot, make_window, open_demo, httpserver) -> None:
    def handler(request: Request) -> Response:
        time.sleep(0.3)
        return Response(
            daily_json(dt.date.fromisoformat(request.args["date"])), content_type="application/json"
        )

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    lib = open_demo(hf=httpserver.url_for("").rstrip("/"))
    win = make_window(lib)
    win.sync.sync_now()
    qtbot.waitUntil(lambda: win.jobs.isVisible())
    win.jobs.cancel_btn.click()
    qtbot.waitUntil(lambda: not win.sync.running, timeout=10000)
    assert any("cancelled" in n.message for n in win.notice.history)
    assert lib.setting("last_sync") in (
        None,
        *[(today_utc() - dt.timedelta(days=k)).isoformat() for k in range(7)],
    )


def test_offline_is_said_once_and_calmly(qtbot, make_window, demo_lib) -> None:
    demo_lib.http.policy.retries = 0  # endpoints point at a closed port: fail fast
    win = make_window(demo_lib)
    for _ in range(2):
        win.sync.sync_now()
        qtbot.waitUntil(lambda: not win.sync.running, timeout=20000)
    offline = [n for n in win.notice.history if "offline" in n.message]
    assert len(offline) == 1 and offline[0].level == "info"
    assert win.ctx.offline
    # Everything else still works: triage writes go through
    pid = win.list.current_id()
    saved = demo_lib.get(pid).saved
    qtbot.keyClick(win.list, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: demo_lib.get(pid).saved is not saved)


def _pdf_bytes(tmp_path: Path) -> bytes:
    from readinglist.demo import make_demo_pdf

    path = tmp_path / "served.pdf"
    make_demo_pdf(path, "Served", ("A. Author",), "Served abstract.", pages=2)
    return path.read_bytes()


def test_download_with_progress_cancel_and_retry(qtbot, make_window, open_demo, httpserver, tmp_path) -> None:
    pytest.importorskip("readinglist.services.downloads")
    data = _pdf_bytes(tmp_path)
    slow = {"on": True}

    def handler(request: Request) -> Response:
        def body():  # type: ignore[no-untyped-def]
            step = max(1, len(data) // 40)
            for i in range(0, len(data), step):
                if slow["on"]:
                    time.sleep(0.1)
                yield data[i : i + step]

        return Response(body(), content_type="application/pdf", headers={"Content-Length": str(len(data))})

    httpserver.expect_request(path_pattern_or_regex(), method="GET").respond_with_handler(handler)
    lib = open_demo(arxiv=httpserver.url_for("").rstrip("/"))
    win = make_window(lib)
    rows = [r for pid in win.papers.ids if (r := win.papers.cached(pid)) and not r.pdf][:2]
    first, second = rows
    # Cancel the first while it streams
    win.list.select_id(first.id)
    win.pdfs.download_selected()
    qtbot.waitUntil(lambda: win.downloads.model.get(first.id).state == "downloading", timeout=5000)
    assert first.id in win.papers.downloading
    win.downloads.cancel([first.id])
    qtbot.waitUntil(lambda: win.downloads.model.get(first.id).state == "cancelled", timeout=10000)
    assert lib.get(first.id).pdf is None
    # Retry it, fast this time, and it lands in the library
    slow["on"] = False
    win.downloads.retry([win.downloads.model.get(first.id)])
    qtbot.waitUntil(lambda: win.downloads.model.get(first.id).state == "done", timeout=20000)
    assert lib.get(first.id).pdf and Path(lib.get(first.id).pdf).read_bytes() == data
    qtbot.waitUntil(lambda: first.id not in win.papers.downloading)
    # "o" on a paper without a PDF downloads it first, then opens it
    opened: list[tuple[int, str]] = []
    win.pdfs.open_path = lambda pid, path: opened.append((pid, path))  # type: ignore[method-assign]
    win.list.select_id(second.id)
    qtbot.keyClick(win.list, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    assert opened[0][0] == second.id and Path(opened[0][1]).is_file()


def path_pattern_or_regex():  # type: ignore[no-untyped-def]
    import re

    return re.compile(r"^/pdf/.*")


def test_dropping_a_bib_file_imports_it(qtbot, window, demo_lib, tmp_path) -> None:
    pytest.importorskip("readinglist.services.importer")
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{knuth1984literate,\n  title = {Literate Programming},\n  author = {Knuth, Donald E.},\n"
        "  journal = {The Computer Journal},\n  year = {1984},\n  volume = {27},\n}\n",
        encoding="utf-8",
    )
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(bib))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        md,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.importer.last_report is not None, timeout=10000)
    assert len(window.importer.last_report.added) == 1
    pid = window.importer.last_report.added[0]
    assert demo_lib.get(pid).title == "Literate Programming" and demo_lib.get(pid).saved
    assert any("Imported 1 new paper" in n.message for n in window.notice.history)
