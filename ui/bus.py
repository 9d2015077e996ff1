"""One QObject with the app-wide signals, fed by the library's change notifications.

``Library.on_change`` may call us on any thread (a sync worker, a download thread); the raw
notification crosses to the GUI thread through a queued signal, and bursts are coalesced into
one :attr:`Bus.changed` so views refresh once, not once per write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from readinglist.records import Changes
from readinglist.services.library import Library

if TYPE_CHECKING:
    from readinglist.services.live import Subscriber


class Bus(QObject):
    changed = Signal(object)  # Changes, on the GUI thread, coalesced
    notify = Signal(str, str, str)  # level ("info" | "warning" | "error"), message, details
    notify_topic = Signal(str, str, str, str)  # the same, plus a topic a later success resolves
    resolved = Signal(str)  # a topic ("offline", "download") whose notes a success made obsolete
    online_changed = Signal(bool)  # a request failed for want of network (False), or got through
    current_paper = Signal(object)  # int | None: the paper the details pane shows
    downloads_changed = Signal()  # the set of papers downloading changed

    _raw = Signal(object)
    COALESCE_MS = 40

    def __init__(self) -> None:
        super().__init__()
        self._pending = Changes()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        self._raw.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._lib: Library | None = None
        self._live: Subscriber | None = None

    def attach(self, lib: Library) -> None:
        """Listen to ``lib``'s changes (and stop listening to the previous library)."""
        self.detach()
        self._lib = lib
        lib.on_change.append(self.post)
        if lib.is_shared:  # a library on a server: other members' changes arrive the same way
            from readinglist.services.live import Subscriber  # SQLAlchemy: only for a server

            self._live = Subscriber(lib).start()

    def detach(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._lib is not None and self.post in self._lib.on_change:
            self._lib.on_change.remove(self.post)
        self._lib = None

    def post(self, changes: Changes) -> None:
        """Thread-safe: queue ``changes`` for delivery on the GUI thread."""
        if not changes.empty:
            self._raw.emit(changes)

    def _collect(self, changes: Changes) -> None:
        self._pending = self._pending | changes
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        changes, self._pending = self._pending, Changes()
        if not changes.empty:
            self.changed.emit(changes)

    def _emit(self, level: str, message: str, details: str, topic: str) -> None:
        if topic:
            self.notify_topic.emit(level, message, details, topic)
        else:
            self.notify.emit(level, message, details)

    def info(self, message: str, details: str = "", *, topic: str = "") -> None:
        self._emit("info", message, details, topic)

    def warning(self, message: str, details: str = "", *, topic: str = "") -> None:
        self._emit("warning", message, details, topic)

    def error(self, message: str, details: str = "", *, topic: str = "") -> None:
        self._emit("error", message, details, topic)

    def resolve(self, topic: str) -> None:
        self.resolved.emit(topic)
