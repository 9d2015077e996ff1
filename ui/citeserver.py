"""The citation server inside the app: HTTP on its own thread, the picker on the GUI thread.

An editor's CAYW request waits on the server thread while the picker dialog (shown through a
queued signal) lets the user choose; the GUI thread never waits for the network.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from ui.models.context import AppContext

if TYPE_CHECKING:
    from readinglist.serve.server import CitationServer
    from ui.dialogs.cite_picker import CitePicker

PICK_TIMEOUT_S = 300.0


class _Pick:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.keys: list[str] | None = None


class CitationServerController(QObject):
    """Starts and stops :class:`readinglist.serve.server.CitationServer` for the open library."""

    _ask = Signal(object)
    picker_shown = Signal(object)  # the dialog, for tests and for raising it

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.server: CitationServer | None = None
        self.dialog: CitePicker | None = None
        self._ask.connect(self._show_picker, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self.server is not None

    def start(self, port: int) -> None:
        from readinglist.serve.server import CitationServer

        self.stop()
        self.server = CitationServer(self.ctx.lib, port, picker=self._pick)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            server.stop()

    def _pick(self) -> Sequence[str] | None:
        """Runs on the server thread: ask the GUI, wait for the answer."""
        pick = _Pick()
        self._ask.emit(pick)
        if not pick.done.wait(PICK_TIMEOUT_S):
            return None
        return pick.keys

    def _show_picker(self, pick: _Pick) -> None:
        from ui.dialogs.cite_picker import CitePicker

        parent = self.parent()
        dlg = CitePicker(self.ctx, parent if hasattr(parent, "windowHandle") else None)  # type: ignore[arg-type]
        self.dialog = dlg

        def finished(result: int) -> None:
            pick.keys = dlg.chosen() if result == int(dlg.DialogCode.Accepted) else None
            pick.done.set()
            self.dialog = None
            dlg.deleteLater()

        dlg.finished.connect(finished)
        dlg.open()  # not exec(): the event loop keeps running
        dlg.raise_()
        dlg.activateWindow()
        self.picker_shown.emit(dlg)
