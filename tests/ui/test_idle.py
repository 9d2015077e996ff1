"""The idle timer waits while the user types, clicks or drags, and watches input only while pending."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from ui.idle import IdleTimer


class _Counting(IdleTimer):
    def __init__(self, msec: int) -> None:
        super().__init__(msec)
        self.seen = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.seen += 1
        return super().eventFilter(watched, event)


def _typing_for(qtbot, widget: QLineEdit, seconds: float) -> float:  # type: ignore[no-untyped-def]
    """Types a key every 60 ms; returns when the last one was typed."""
    end = time.monotonic() + seconds
    last = time.monotonic()
    while time.monotonic() < end:
        QTest.keyClick(widget, Qt.Key.Key_A)
        last = time.monotonic()
        qtbot.wait(60)
    return last


def test_it_fires_only_once_the_user_pauses(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    fired: list[float] = []
    timer = IdleTimer(200)
    timer.timeout.connect(lambda: fired.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    last_key = _typing_for(qtbot, edit, 0.6)
    assert not fired and timer.isActive()  # three times its interval of typing: still waiting
    qtbot.waitUntil(lambda: bool(fired), timeout=2000)
    assert fired[0] - last_key >= 0.15 and fired[0] - started >= 0.6
    assert len(edit.text()) >= 5


def test_it_watches_input_only_while_pending(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    timer = _Counting(100)
    timer.start()
    QTest.keyClick(edit, Qt.Key.Key_A)
    assert timer.seen > 0  # pending: the application's events pass its filter
    with qtbot.waitSignal(timer.timeout, timeout=2000):
        pass
    timer.seen = 0
    QTest.keyClick(edit, Qt.Key.Key_B)
    qtbot.wait(20)
    assert timer.seen == 0 and not timer.isActive()  # fired: no filter left behind
    timer.start()
    timer.stop()
    QTest.keyClick(edit, Qt.Key.Key_C)
    assert timer.seen == 0 and not timer.isActive()  # stopped: none either
    assert edit.text() == "abc"
