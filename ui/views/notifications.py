"""Non-blocking notifications: a slim bar at the top of the window, with "Details" when there are any.

Info messages fade after a few seconds; warnings and errors stay until closed. Several in a row
queue up (the bar says how many more are waiting) instead of stacking dialogs. A note may carry
one action button ("Show digest"); such notes stay a little longer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from ui.dialogs import errors
from ui.views.icons import icon

INFO_MS = 4000
ACTION_MS = 15000


@dataclass(frozen=True)
class Note:
    level: str
    message: str
    details: str = ""
    action: str = ""  # a button's label
    callback: Callable[[], object] | None = field(default=None, compare=False)


class NotificationBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notification")
        self.setFrameShape(QFrame.Shape.NoFrame)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 8, 6)
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more = QLabel()
        self.more.setObjectName("notificationMore")
        self.details_btn = QPushButton("Details…")
        self.details_btn.clicked.connect(self._details)
        self.action_btn = QPushButton()
        self.action_btn.setObjectName("notificationAction")
        self.action_btn.clicked.connect(self._action)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Dismiss (Esc)")
        close.clicked.connect(self.next)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.more)
        lay.addWidget(self.action_btn)
        lay.addWidget(self.details_btn)
        lay.addWidget(close)
        self._queue: deque[Note] = deque()
        self.current: Note | None = None
        self.history: list[Note] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.next)
        self.hide()

    def push_action(self, message: str, action: str, callback: Callable[[], object]) -> None:
        """An info note with one button, e.g. "Show digest"."""
        self._push(Note("info", message, "", action, callback))

    def push(self, level: str, message: str, details: str = "") -> None:
        self._push(Note(level, message, details))

    def _push(self, note: Note) -> None:
        level = note.level
        self.history.append(note)
        del self.history[:-200]
        if self.current is not None and self.current.level == "info" and level != "info":
            self._queue.appendleft(note)  # a problem replaces a passing info at once
            self.next()
            return
        if self.current is None:
            self._show(note)
        elif note != self.current and note not in self._queue:
            self._queue.append(note)
            self._update_more()

    def _show(self, note: Note) -> None:
        self.current = note
        self.setProperty("level", note.level)
        self.style().unpolish(self)
        self.style().polish(self)
        color = {"info": None, "warning": "#d97706", "error": "#dc2626"}[note.level]
        self.icon.setPixmap(icon(note.level, color).pixmap(18, 18))
        self.text.setText(note.message)
        self.details_btn.setVisible(bool(note.details))
        self.action_btn.setText(note.action)
        self.action_btn.setVisible(bool(note.action))
        self._update_more()
        self.show()
        if note.level == "info":
            self._timer.start(ACTION_MS if note.action else INFO_MS)
        else:
            self._timer.stop()

    def _update_more(self) -> None:
        self.more.setText(f"+{len(self._queue)} more" if self._queue else "")

    def next(self) -> None:
        self._timer.stop()
        self.current = None
        if self._queue:
            self._show(self._queue.popleft())
        else:
            self.hide()

    def _action(self) -> None:
        note = self.current
        self.next()
        if note is not None and note.callback is not None:
            note.callback()

    def _details(self) -> None:
        if self.current is not None:
            errors.show_details(self.window(), "Details", self.current.message, self.current.details)
