"""Notifications: an overlay that never moves the layout, says each thing once, goes away by itself
when a later success makes it obsolete, and elides with "…" instead of cutting words."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from readinglist.errors import NetworkError
from ui.views import notifications
from ui.views.downloads import Entry


def _geometry(win):  # type: ignore[no-untyped-def]
    return [w.geometry() for w in (win.splitter, win.sidebar, win.pages, win.right)]


def test_the_banner_floats_and_never_moves_the_layout(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.resize(1200, 800)
    window.show()
    qtbot.wait(50)
    before = _geometry(window)
    window.ctx.bus.warning("Something needs your attention")
    qtbot.waitUntil(window.notice.isVisible)
    assert _geometry(window) == before
    bar, host = window.notice.geometry(), window.centralWidget().rect()
    assert host.contains(bar) and bar.bottom() > host.height() * 0.8  # over the bottom of the window


def test_info_times_out_and_the_status_bar_does_not_repeat_it(qtbot, window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(notifications, "INFO_MS", 150)
    window.ctx.bus.info("Saved “A paper”")
    assert window.notice.isVisible() and window.notice.text.text() == "Saved “A paper”"
    assert window.statusBar().currentMessage() == ""
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=2000)


def test_no_pile_up_the_newest_shows_and_problems_come_back(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    bar = window.notice
    bar.push("error", "Disk full")
    bar.push("info", "Saved 2 papers")
    assert bar.text.text() == "Saved 2 papers"
    assert not hasattr(bar, "more") or not bar.more.text()
    bar.next()
    assert bar.text.text() == "Disk full"  # the unresolved problem is not lost
    bar.next()
    assert not bar.isVisible()
    bar.push_action("3 new papers", "Show digest", lambda: None)
    bar.push("info", "Saved a paper")
    bar.next()
    assert bar.current is not None and bar.current.action == "Show digest"  # the offer came back


def test_a_retried_download_removes_its_failure_and_offline(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctrl, bar = window.downloads, window.notice
    pid = window.list.current_id()
    title = window.papers.cached(pid).title
    ctrl.model.upsert(Entry(pid, title))  # what start() records before the download runs
    offline = NetworkError("arxiv.org could not be reached: this computer seems to be offline")
    offline.__cause__ = socket.gaierror(-3, "Temporary failure in name resolution")
    ctrl._done(pid, None, offline)
    assert bar.current is not None and bar.current.topic == "download" and title in bar.text.text()
    assert window.ctx.offline and window.sync_label.text().startswith("Offline")
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    ctrl._done(pid, str(pdf), None)  # the retry got through
    assert not bar.isVisible() and bar.current is None
    assert not window.ctx.offline and "Offline" not in window.sync_label.text()


def test_several_failed_downloads_are_one_note(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    ids = [row.id for row in (window.papers.row(r) for r in range(3)) if row is not None]
    assert len(ids) == 3
    for pid in ids:
        window.downloads._done(pid, None, NetworkError("arxiv.org answered 503"))
    assert window.notice.text.text().startswith("Could not download 3 PDFs")
    assert not window.notice._pending  # replaced, not queued


def test_sync_now_while_offline_says_so_within_two_seconds(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    demo_lib.http.policy.retries = 0
    window.ctx.set_online(False)
    window.notice.history.clear()
    window.sync.user_sync()
    qtbot.waitUntil(
        lambda: window.notice.isVisible() and "offline" in window.notice.text.text().lower(), timeout=2000
    )
    qtbot.waitUntil(lambda: not window.sync.running, timeout=20000)
    assert "offline" in window.notice.text.text().lower() and window.ctx.offline


def test_long_messages_are_elided_with_an_ellipsis_not_cut(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.resize(1024, 700)
    window.show()
    long = "Downloading the PDF of “" + "Resolve Engineering Tasks With Agents " * 8 + "”…"
    window.ctx.bus.info(long)
    qtbot.waitUntil(window.notice.isVisible)
    label = window.notice.text
    shown = label.shown_text()
    assert label.text() == long and shown != long and shown.endswith("…")
    assert label.fontMetrics().horizontalAdvance(shown) <= label.width()
    assert label.toolTip() == long


@pytest.mark.parametrize("n, word", [(1, "1 annotation"), (2, "2 annotations")])
def test_plurals(n: int, word: str) -> None:
    from readinglist.textutil import plural

    assert plural(n, "annotation") == word
