"""Settings, Lab tab: the database URL is stored for the next start, Test connection runs in
the background and says why a server cannot be used, and READINGLIST_DATABASE_URL wins (and
the tab says so)."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from ui import settings as keys
from ui.app import database_url
from ui.dialogs import prompt


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_test_connection_reports_a_refused_server_without_blocking_and_ok_stores_the_url(
    qtbot, window, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("psycopg")
    monkeypatch.delenv("READINGLIST_DATABASE_URL", raising=False)
    url = f"postgresql+psycopg://ann@127.0.0.1:{_closed_port()}/lab"
    seen: dict[str, object] = {}
    gui = threading.get_ident()
    from readinglist.services import server

    real = server.check_database_url

    def check(u: str) -> str:
        seen["thread"] = threading.get_ident()
        time.sleep(0.3)  # a slow server: the window must stay responsive meanwhile
        return real(u)

    monkeypatch.setattr(server, "check_database_url", check)

    def fill(dlg: QDialog) -> int:
        dlg.tabs.setCurrentIndex(dlg.tabs.count() - 1)
        assert dlg.tabs.tabText(dlg.tabs.currentIndex()) == "Lab"
        assert "starts again" in dlg.db_note.text()
        dlg.db_url.setText(url)
        started = time.monotonic()
        qtbot.mouseClick(dlg.db_test, Qt.MouseButton.LeftButton)
        seen["click_s"] = time.monotonic() - started
        seen["while"] = (dlg.db_result.text(), dlg.db_test.isEnabled())
        qtbot.waitUntil(lambda: dlg.db_test.isEnabled(), timeout=10000)
        seen["result"] = dlg.db_result.text()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.open_settings()
    assert float(seen["click_s"]) < 0.2 and seen["while"] == ("Connecting…", False)  # type: ignore[arg-type]
    assert seen["thread"] != gui
    assert str(seen["result"]).startswith("✗ Cannot reach the PostgreSQL library")
    assert "nothing answers there" in str(seen["result"])
    assert window.ctx.settings.get(keys.DATABASE_URL) == url
    assert database_url(window.ctx.settings) == url  # what the next start opens
    assert window.ctx.lib.database_url is None  # this session keeps its library


def test_the_environment_wins_and_the_tab_says_so(qtbot, window, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    window.ctx.settings.set(keys.DATABASE_URL, "postgresql+psycopg://ann@stored/lab")
    monkeypatch.setenv("READINGLIST_DATABASE_URL", "postgresql+psycopg://ann:secret@env-host/lab")
    seen: dict[str, str] = {}

    def fill(dlg: QDialog) -> int:
        seen["note"] = dlg.db_note.text()
        seen["field"] = dlg.db_url.text()
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.open_settings()
    assert "READINGLIST_DATABASE_URL is set" in seen["note"] and "wins over this field" in seen["note"]
    assert "env-host" in seen["note"] and "secret" not in seen["note"]
    assert seen["field"] == "postgresql+psycopg://ann@stored/lab"
    assert database_url(window.ctx.settings) == "postgresql+psycopg://ann:secret@env-host/lab"
    monkeypatch.delenv("READINGLIST_DATABASE_URL")
    assert database_url(window.ctx.settings) == "postgresql+psycopg://ann@stored/lab"


def test_your_name_in_the_lab_is_stored_and_names_you_at_the_next_start(
    qtbot, window, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("READINGLIST_USER", raising=False)
    seen: dict[str, str] = {}

    def fill(dlg: QDialog) -> int:
        seen["placeholder"] = dlg.member.placeholderText()
        dlg.member.setText("  bea  ")
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.open_settings()
    assert seen["placeholder"] == window.ctx.lib.member  # who you are now
    assert window.ctx.settings.get(keys.MEMBER) == "bea"
    database_url(window.ctx.settings)  # what the next start does first
    assert os.environ["READINGLIST_USER"] == "bea"
    monkeypatch.setenv("READINGLIST_USER", "cem")  # the environment wins over Settings
    database_url(window.ctx.settings)
    assert os.environ["READINGLIST_USER"] == "cem"
