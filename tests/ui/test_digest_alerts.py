"""Alerts after a background sync, their counts in the sidebar, the sync's notification and the digest."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from PySide6.QtWidgets import QSystemTrayIcon
from werkzeug import Request, Response

from readinglist.records import PaperFilter
from readinglist.services import alerts
from readinglist.services.sync import today_utc
from ui.actions import ActionId
from ui.dialogs import prompt
from ui.models.sidebar import AlertRole

TITLES = [
    "Zebrafish larvae as a benchmark for embodied control",
    "Counting stars with graph networks",
    "Tiny zebrafish brains and sparse codes",
    "A survey of rainfall nowcasting",
    "Protein folding at the edge",
    "Sound fields from sparse microphones",
]


def daily(day: dt.date) -> bytes:
    return json.dumps(
        [
            {
                "paper": {
                    "id": f"{day:%y%m}.8{day.day:02d}{i:02d}",
                    "title": title,
                    "authors": [{"name": "Ada Lovelace"}, {"name": "Jürgen Müller"}],
                    "summary": f"Summary {i} of a paper on {title.lower()}.",
                    "publishedAt": f"{day.isoformat()}T00:00:00.000Z",
                    "upvotes": 50 - i,
                },
                "numComments": i,
            }
            for i, title in enumerate(TITLES)
        ]
    ).encode()


def test_sync_flags_alerts_counts_them_and_opens_a_digest(
    qtbot, make_window, open_demo, httpserver, monkeypatch, tmp_path: Path
) -> None:
    today = today_utc()

    def handler(req: Request) -> Response:  # only today has papers
        body = daily(today) if req.args["date"] == today.isoformat() else b"[]"
        return Response(body, content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    lib = open_demo(hf=httpserver.url_for("").rstrip("/"))
    alerts.add_alert(lib, "Zebrafish", "zebrafish")
    win = make_window(lib)
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: the tray message is skipped

    win.sync.sync_now()
    qtbot.waitUntil(lambda: not win.sync.running, timeout=20000)
    assert alerts.alert_counts(lib)["Zebrafish"] == 2
    key = "search:Zebrafish"
    qtbot.waitUntil(lambda: win.sidebar.sidebar.index_of_key(key).data(AlertRole) == 2, timeout=5000)

    # A calm notification with a way to the digest; no tray offscreen
    note = next(n for n in win.notice.history if n.action)
    assert note.message == "6 new papers, 2 match your alerts"
    assert note.action == "Show digest"
    assert win.digests.tray is None

    # Selecting the alert shows its matches and marks them seen: the count goes down
    assert win.sidebar.select_key(key)
    matched = lib.paper_ids(PaperFilter(alert="Zebrafish"))
    assert len(matched) == 2
    qtbot.waitUntil(lambda: sorted(win.papers.ids) == sorted(matched), timeout=5000)
    qtbot.waitUntil(lambda: alerts.alert_counts(lib)["Zebrafish"] == 0, timeout=5000)
    qtbot.waitUntil(lambda: win.sidebar.sidebar.index_of_key(key).data(AlertRole) == 0, timeout=5000)

    # "Show digest" opens a non-modal window built in the background
    if win.notice.current is note:
        win.notice.action_btn.click()
    else:
        note.callback()
    dw = win.digests.window
    assert dw is not None and dw.isVisible() and not dw.isModal()
    qtbot.waitUntil(lambda: dw.digest is not None, timeout=5000)
    text = dw.browser.toPlainText()
    for title in TITLES:
        assert title in text
    assert "Zebrafish" in text  # the alert's section
    assert dw.digest.start == dw.digest.end == today

    # Saved as HTML and Markdown through the prompt helper
    for fmt, name in (("html", "digest.html"), ("markdown", "digest")):
        target = tmp_path / name
        monkeypatch.setattr(prompt, "save_file", lambda *_a, t=target: str(t))
        (dw.html_btn if fmt == "html" else dw.md_btn).click()
    qtbot.waitUntil(lambda: (tmp_path / "digest.html").exists() and (tmp_path / "digest.md").exists())
    assert TITLES[0] in (tmp_path / "digest.html").read_text(encoding="utf-8")
    assert (tmp_path / "digest.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype")
    assert TITLES[0] in (tmp_path / "digest.md").read_text(encoding="utf-8")

    # The menu action opens it any time (the same window)
    dw.close()
    win.actions_[ActionId.DIGEST].trigger()
    assert win.digests.window is dw and dw.isVisible()
    qtbot.waitUntil(lambda: TITLES[0] in dw.browser.toPlainText(), timeout=5000)
    dw.close()


def test_a_sync_without_new_papers_says_nothing_new(qtbot, make_window, open_demo, httpserver) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("[]", content_type="application/json")
    win = make_window(open_demo(hf=httpserver.url_for("").rstrip("/")))
    win.sync.sync_now()
    qtbot.waitUntil(lambda: not win.sync.running, timeout=20000)
    qtbot.wait(100)
    assert not any(n.action for n in win.notice.history)


def test_the_digest_opens_on_the_newest_day_with_papers_with_a_date_and_range(
    qtbot, window, demo_lib
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from PySide6.QtCore import QDate

    newest = demo_lib.feed_days()[0].date
    dw = window.digests.open()
    qtbot.waitUntil(lambda: dw.digest is not None, timeout=5000)
    assert dw.digest.start == dw.digest.end == newest
    assert dw.digest.new and dw.digest.new[0].paper.title.split()[0] in dw.browser.toPlainText()
    dw.range.setCurrentIndex(dw.range.findData(7))
    dw.range.activated.emit(dw.range.currentIndex())
    qtbot.waitUntil(lambda: dw.digest.start == newest - dt.timedelta(days=6), timeout=5000)
    earlier = demo_lib.feed_days()[2].date
    dw.range.setCurrentIndex(dw.range.findData(1))
    dw.date.setDate(QDate(earlier.year, earlier.month, earlier.day))
    qtbot.waitUntil(lambda: dw.digest.start == dw.digest.end == earlier, timeout=5000)
    dw.close()


def test_the_digest_follows_the_dark_theme(qtbot, make_window, demo_lib, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ui.app import apply_appearance
    from ui.settings import Settings

    win = make_window(demo_lib)
    apply_appearance(Settings(tmp_path / "dark.ini"), "dark")
    try:
        dw = win.digests.open()
        qtbot.waitUntil(lambda: dw.digest is not None, timeout=5000)
        qtbot.waitUntil(lambda: "#181b20" in dw.browser.toHtml().lower(), timeout=5000)
        dw.close()
    finally:
        apply_appearance(Settings(tmp_path / "light.ini"), "light")


def test_a_saved_alert_lists_all_its_matches_and_marks_the_new_ones(qtbot, make_window, demo_lib) -> None:
    """Saving an alert must not show an empty list: it lists what its query matches now; the
    matches of later syncs are counted on the badge and marked new when the alert is opened."""
    from readinglist.records import PaperMeta
    from readinglist.services import papers
    from ui.models.papers import COL, NewRole

    (old,), _ = papers.upsert(
        demo_lib, [PaperMeta(title="Zebrafish swimming, revisited", arxiv_id="2401.00001")]
    )
    alerts.add_alert(demo_lib, "Zebrafish", "zebrafish")
    win = make_window(demo_lib)
    key = "search:Zebrafish"
    assert win.sidebar.select_key(key)
    qtbot.waitUntil(lambda: win.papers.ids == [old], timeout=5000)
    assert not win.papers.index(0, COL["title"]).data(NewRole)

    (new,), _ = papers.upsert(
        demo_lib, [PaperMeta(title="Zebrafish larvae in the wild", arxiv_id="2401.00002")]
    )
    assert alerts.match_alerts(demo_lib, [old, new], dt.date(2024, 1, 2)) == {"Zebrafish": [old, new]}
    assert win.sidebar.select_key("library:library")
    qtbot.waitUntil(lambda: win.sidebar.sidebar.index_of_key(key).data(AlertRole) == 2, timeout=5000)
    alerts.mark_seen(demo_lib, "Zebrafish")  # the user saw both; then a third arrives
    (third,), _ = papers.upsert(
        demo_lib, [PaperMeta(title="Zebrafish sleep patterns", arxiv_id="2401.00003")]
    )
    alerts.match_alerts(demo_lib, [third], dt.date(2024, 1, 3))
    qtbot.waitUntil(lambda: win.sidebar.sidebar.index_of_key(key).data(AlertRole) == 1, timeout=5000)

    assert win.sidebar.select_key(key)
    qtbot.waitUntil(lambda: sorted(win.papers.ids) == sorted([old, new, third]), timeout=5000)
    qtbot.waitUntil(lambda: win.papers.new_ids == {third}, timeout=5000)
    marked = {pid for r, pid in enumerate(win.papers.ids) if win.papers.index(r, COL["title"]).data(NewRole)}
    assert marked == {third}
    qtbot.waitUntil(lambda: win.sidebar.sidebar.index_of_key(key).data(AlertRole) == 0, timeout=5000)
