"""Citing from editors through the app, formatted citations, and File → Import from Zotero."""

from __future__ import annotations

import http.client
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from readinglist.db.queries import PaperFilter
from ui import settings as keys
from ui.actions import ActionId
from ui.dialogs import prompt


def test_editor_request_opens_the_picker_and_gets_the_chosen_keys(qtbot, make_window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    win = make_window(demo_lib)
    win.ctx.settings.set(keys.CITE_SERVER_ON, True)
    win.ctx.settings.set(keys.CITE_SERVER_PORT, 0)  # any free port
    win.apply_citation_server()
    assert win.citeserver.running
    port = win.citeserver.server.port
    target = demo_lib.get(demo_lib.paper_ids(PaperFilter(dismissed=None))[0])
    answer: dict[str, object] = {}

    def editor() -> None:  # an editor plugin, on its own thread
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        con.request("GET", "/better-bibtex/cayw?format=pandoc&brackets=1")
        resp = con.getresponse()
        answer["status"], answer["body"] = resp.status, resp.read().decode()

    t = threading.Thread(target=editor)
    t.start()
    qtbot.waitUntil(
        lambda: win.citeserver.dialog is not None and win.citeserver.dialog.isVisible(), timeout=10000
    )
    dlg = win.citeserver.dialog
    qtbot.keyClicks(dlg.search, target.citekey)
    qtbot.waitUntil(lambda: dlg.results.count() > 0, timeout=10000)
    assert target.citekey in dlg.chosen()
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
    t.join(10)
    assert answer == {"status": 200, "body": f"[@{target.citekey}]"}
    win.ctx.settings.set(keys.CITE_SERVER_ON, False)
    win.apply_citation_server()
    assert not win.citeserver.running


def test_copy_formatted_citation_uses_the_style_of_settings(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    window.ctx.settings.set(keys.CITATION_STYLE, "ieee")
    row = demo_lib.get(window.list.current_id())
    QGuiApplication.clipboard().clear()
    window.actions_[ActionId.COPY_CITATION].trigger()
    qtbot.waitUntil(
        lambda: QGuiApplication.clipboard().text().startswith("[1] "), timeout=10000
    )  # IEEE numbers
    assert row.title.split()[0] in QGuiApplication.clipboard().text()


def test_file_import_from_zotero(qtbot, monkeypatch, tmp_path: Path, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    from tests.zotero_fixture import build_zotero

    built = build_zotero(tmp_path / "z")
    monkeypatch.setattr(prompt, "pick_folder", lambda *a: str(built.data_dir))
    monkeypatch.setattr(prompt, "confirm", lambda *a, **k: False)  # leave linked files where they are
    window._import_zotero_dialog()
    qtbot.waitUntil(lambda: window.importer.last_report is not None, timeout=30000)
    report = window.importer.last_report
    assert len(report.added) == 6 and report.pdfs == 1
    assert any("linked file" in s for s in report.skipped)
    names = {x.name for x in demo_lib.reading_lists()}
    assert {"Thesis", "Thesis/Chapter 2"} <= names
    window.autoexport.flush()  # the debounced auto-export the import started, before teardown closes the library
