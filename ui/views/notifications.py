"""Non-blocking notifications: one slim banner floating over the bottom of the window.

The banner is an overlay, so showing or hiding it never moves the layout. It shows the newest
note; info notes fade after a few seconds, warnings and errors stay until closed. A note may
name a *topic* ("offline", "download"): a newer note on the same topic replaces it, and
:meth:`NotificationBar.resolve` removes it when a later success makes it obsolete (the retry
worked, the network is back). Older unresolved problems come back when the newer note goes.
Long messages are elided with "…" to the width available; the full text is the tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

from ui.dialogs import errors
from ui.views.icons import icon, themed

INFO_MS = 4000
ACTION_MS = 15000
MAX_WIDTH = 820
MARGIN = 12


@dataclass(frozen=True)
class Note:
    level: str
    message: str
    details: str = ""
    action: str = ""  # a button's label
    callback: Callable[[], object] | None = field(default=None, compare=False)
    topic: str = ""  # a later note or success on the same topic makes this one obsolete


class ElidedLabel(QLabel):
    """One line that elides with "…" (Qt's elidedText) to its width; :meth:`text` is the full text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width(), 40))
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class NotificationBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notification")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 8, 6)
        self.icon = QLabel()
        self.text = ElidedLabel()
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_btn = QPushButton("Details…")
        self.details_btn.clicked.connect(self._details)
        self.action_btn = QPushButton()
        self.action_btn.setObjectName("notificationAction")
        self.action_btn.clicked.connect(self._action)
        self.close_btn = QToolButton()
        self.close_btn.setObjectName("notificationClose")
        themed(self.close_btn, "close")
        self.close_btn.setAutoRaise(True)
        self.close_btn.setToolTip("Dismiss (Esc)")
        self.close_btn.clicked.connect(self.next)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.action_btn)
        lay.addWidget(self.details_btn)
        lay.addWidget(self.close_btn)
        self._pending: list[Note] = []  # unresolved problems behind the current note, oldest first
        self.current: Note | None = None
        self.history: list[Note] = []
        self._host: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.next)
        self.hide()

    # -- placement ---------------------------------------------------------------------------
    def float_over(self, host: QWidget) -> None:
        """Float over the bottom of ``host`` (not in any layout), following its size."""
        self._host = host
        self.setParent(host)
        host.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place()
        return False

    def _place(self) -> None:
        host = self._host
        if host is None:
            return
        width = max(200, min(MAX_WIDTH, host.width() - 2 * MARGIN))
        height = self.sizeHint().height()
        self.setGeometry((host.width() - width) // 2, host.height() - height - MARGIN, width, height)
        self.raise_()

    # -- notes -------------------------------------------------------------------------------
    def push_action(self, message: str, action: str, callback: Callable[[], object]) -> None:
        """An info note with one button, e.g. "Show digest"."""
        self._push(Note("info", message, "", action, callback))

    def push(self, level: str, message: str, details: str = "", topic: str = "") -> None:
        self._push(Note(level, message, details, topic=topic))

    def _push(self, note: Note) -> None:
        self.history.append(note)
        del self.history[:-200]
        if note == self.current:
            self._restart_timer(note)
            return
        self._pending = [n for n in self._pending if n != note and not (note.topic and n.topic == note.topic)]
        cur = self.current
        keep = cur is not None and (cur.level != "info" or cur.action)
        if keep and cur is not None and not (note.topic and cur.topic == note.topic):
            self._pending.append(cur)  # a problem (or an offer such as "Show digest") waits behind
        self._show(note)

    def resolve(self, topic: str) -> None:
        """A later success made the notes on ``topic`` obsolete: they go, without a click."""
        self._pending = [n for n in self._pending if n.topic != topic]
        if self.current is not None and self.current.topic == topic:
            self.next()

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
        self._place()
        self.show()
        self.raise_()
        self._restart_timer(note)

    def _restart_timer(self, note: Note) -> None:
        if note.level == "info":
            self._timer.start(ACTION_MS if note.action else INFO_MS)
        else:
            self._timer.stop()

    def next(self) -> None:
        self._timer.stop()
        self.current = None
        if self._pending:
            self._show(self._pending.pop())
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
