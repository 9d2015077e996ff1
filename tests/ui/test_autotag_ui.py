"""Auto-tagging in the window (issue 13): auto tags drawn apart and confirmed with one click,
Alt+1 accepts For you's first suggestion, and the settings' For you and e-mail tabs."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import Qt

from readinglist.config import Endpoints
from readinglist.services import autotag
from readinglist.services.library import Library
from tests import recommend_fixture as fx
from ui import settings as keys
from ui.models.papers import COL, TagsRole

DEAD = "http://127.0.0.1:9"
CUTOFF = 0.415  # as in tests/core/test_autotag.py: the small fixture library's models are unsure


@pytest.fixture
def fx_lib(tmp_path: Path) -> Iterator[Library]:
    """The recommend fixture's user (the 2024 papers judged), the later papers auto-tagged."""
    lib = Library.open(
        tmp_path / "lib", Endpoints(hf=DEAD, arxiv=DEAD, arxiv_api=DEAD + "/api", arxiv_delay=0)
    )
    fx.build(lib, later=False)
    found, _ = autotag.auto_tag(lib, autotag.untagged_feed_ids(lib), CUTOFF)
    assert found
    yield lib
    lib.close()


def test_auto_tags_are_marked_and_one_click_or_alt_1_makes_them_the_users(
    qtbot, make_window, fx_lib: Library
) -> None:  # type: ignore[no-untyped-def]
    lib = fx_lib
    depth, other = lib.resolve("2608.16230"), lib.resolve("2608.17019")
    assert lib.get(depth).auto_tags == ("vision",) and lib.get(other).auto_tags == ("vision",)
    win = make_window(lib)
    win.sidebar.select_key("feed:latest")
    qtbot.waitUntil(lambda: depth in win.papers.ids and other in win.papers.ids, timeout=10000)
    row = win.papers.ids.index(depth)
    chips = win.papers.index(row, COL["tags"]).data(TagsRole)
    assert ("vision", chips[0][1], True) in chips  # the list's delegate draws it dashed
    assert not win.list.viewport().grab().isNull()  # painting the auto chip works

    # The tag editor: a dashed chip whose one click keeps the tag as the user's.
    win.list.select_id(depth)
    editor = win.details.tags
    qtbot.waitUntil(lambda: editor.auto == ("vision",), timeout=10000)
    chip = next(c for c in editor._chips if c.name == "vision")
    assert chip.auto and "dashed" in chip.styleSheet()
    qtbot.mouseClick(chip.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lib.get(depth).auto_tags == (), timeout=10000)
    assert "vision" in lib.get(depth).tags
    qtbot.waitUntil(lambda: editor.auto == () and not editor._chips[0].auto, timeout=10000)

    # Alt+1 accepts the first suggestion; For you suggests "vision" again (an auto tag is
    # only a guess to it), and accepting it makes the auto tag the user's own.
    win.list.select_id(other)
    panel = win.details.for_you
    qtbot.waitUntil(
        lambda: panel.paper_id == other and panel.isVisible() and bool(panel.chip_buttons()),
        timeout=30000,
    )
    first = panel.chip_buttons()[0].text().removeprefix("+ ")
    win.list.setFocus()
    qtbot.keyClick(win.list, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(
        lambda: first in lib.get(other).tags and first not in lib.get(other).auto_tags, timeout=10000
    )
    assert win.details.accept_suggestion(5) is False  # no fourth chip: nothing happens


def test_the_for_you_tab_saves_the_threshold_and_measures_the_model_in_a_worker(
    qtbot, make_window, fx_lib: Library
) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs.settings import SettingsDialog

    lib = fx_lib
    win = make_window(lib)
    dlg = SettingsDialog(win.ctx, [], [], win)
    qtbot.addWidget(dlg)
    tab = dlg.for_you
    assert dlg.tabs.tabText(dlg.tabs.indexOf(tab)) == "For you"
    assert not tab.enabled.isChecked() and not tab.threshold.isEnabled()  # off by default
    assert "measuring" in tab.accuracy.text()  # the GUI thread did not compute it
    qtbot.waitUntil(lambda: tab.measured is not None or "not measured" in tab.accuracy.text(), timeout=60000)
    assert tab.measured is not None, tab.accuracy.text()
    text = tab.accuracy.text()
    assert "precision@1" in text and "precision@3" in text and "nDCG@10" in text
    tab.enabled.setChecked(True)
    tab.threshold.setValue(0.55)
    dlg.accept()
    dlg.apply()
    qtbot.waitUntil(lambda: lib.setting("autotag_threshold") == 0.55, timeout=10000)
    # Turning it off again stores None.
    dlg = SettingsDialog(win.ctx, [], [], win)
    qtbot.addWidget(dlg)
    assert dlg.for_you.enabled.isChecked() and dlg.for_you.threshold.value() == 0.55
    dlg.for_you.enabled.setChecked(False)
    dlg.apply()
    qtbot.waitUntil(lambda: lib.setting("autotag_threshold") is None, timeout=10000)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_the_mail_tab_sends_a_test_digest_and_says_so(
    qtbot, window, demo_lib: Library, smtp: tuple[Inbox, int]
) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs.settings import SettingsDialog

    inbox, port = smtp
    dlg = SettingsDialog(window.ctx, [], [], window)
    qtbot.addWidget(dlg)
    tab = dlg.mail
    assert "keyring" in " ".join(w.text() for w in tab.findChildren(type(tab.result)))
    tab.host.setText("127.0.0.1")
    tab.port.setValue(port)
    tab.security.setCurrentIndex(tab.security.findData("none"))
    tab.mail_from.setText("digest@example.org")
    tab.to.setText("me@example.org, you@example.org")
    qtbot.mouseClick(tab.test_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: tab.test_btn.isEnabled() and tab.result.text().startswith(("Sent", "Not")), timeout=20000
    )
    assert tab.result.text().startswith("Sent"), tab.result.text()
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert sender == "digest@example.org" and rcpts == ["me@example.org", "you@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"].startswith("Reading digest")

    # A server that is not there: the failure is said, in the tab, and nothing hangs.
    tab.port.setValue(9)
    qtbot.mouseClick(tab.test_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: tab.test_btn.isEnabled() and tab.result.text().startswith("Not sent"), timeout=30000
    )
    assert "127.0.0.1:9" in tab.result.text()
    assert len(inbox.messages) == 1

    # OK stores the server in QSettings (the password never goes there or into the library).
    tab.port.setValue(port)
    dlg.apply()
    s = window.ctx.settings
    assert (s.get(keys.MAIL_HOST), s.get(keys.MAIL_PORT), s.get(keys.MAIL_TO)) == (
        "127.0.0.1", port, "me@example.org, you@example.org",
    )  # fmt: skip
    assert "SMTP" not in "".join(str(k) for k in window.ctx.settings.qs.allKeys() if "pass" in str(k).lower())


def test_a_sync_that_auto_tagged_says_so_with_the_way_back(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from readinglist.records import DaySyncReport, SyncReport
    from ui.views.sync import SyncResult

    notes: list[tuple[str, str]] = []
    window.ctx.bus.notify_topic.connect(lambda level, msg, _d, topic: notes.append((topic, msg)))
    day = DaySyncReport(date=dt.date(2026, 8, 19), new=4)
    window.sync._done(SyncResult(SyncReport((day,), auto_tagged=3), 0))
    assert any(t == "autotag" and "Auto-tagged 3 new papers" in m and "Ctrl+Z" in m for t, m in notes)
    notes.clear()
    window.sync._done(SyncResult(SyncReport((day,)), 0))
    assert not any(t == "autotag" for t, _ in notes)


def test_the_password_goes_to_the_keyring_when_there_is_one(
    qtbot, window, demo_lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import importlib.machinery
    import sys
    import types

    from ui.dialogs.settings import SettingsDialog

    stored: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    fake.__spec__ = importlib.machinery.ModuleSpec("keyring", None)
    fake.set_password = lambda service, user, pw: stored.__setitem__((service, user), pw)  # type: ignore[attr-defined]
    fake.get_password = lambda service, user: stored.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    dlg = SettingsDialog(window.ctx, [], [], window)
    qtbot.addWidget(dlg)
    tab = dlg.mail
    assert tab.has_keyring and "system keyring" in tab.password.placeholderText()
    tab.host.setText("smtp.example.org")
    tab.user.setText("me")
    tab.password.setText("s3cret")
    dlg.apply()
    qtbot.waitUntil(lambda: stored == {("readinglist-smtp", "me"): "s3cret"}, timeout=10000)
    ini = Path(window.ctx.settings.qs.fileName()).read_text()
    assert "s3cret" not in ini and "smtp.example.org" in ini
    for f in demo_lib.root.glob("library.sqlite3*"):  # nor into the library (its WAL included)
        assert b"s3cret" not in f.read_bytes()
    from readinglist.services.digest_out import smtp_password

    assert smtp_password("me") == "s3cret"  # what the digest command then uses
