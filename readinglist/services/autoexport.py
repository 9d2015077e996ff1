"""Auto-export in a long-running process (the GUI): the registered .bib files are written again
a moment after the library changes. Kept apart from :mod:`readinglist.services.citations` so
that the window can listen from its start without loading the ORM: the export runs on a timer
thread, which is where that module is first imported."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readinglist.records import Changes
    from readinglist.services.library import Library

log = logging.getLogger(__name__)


class AutoExporter:
    """Debounced auto-export for long-running processes (the GUI): listens to library changes."""

    def __init__(self, lib: Library, delay: float = 2.0) -> None:
        self.lib = lib
        self.delay = delay
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        lib.on_change.append(self._changed)

    def _changed(self, changes: Changes) -> None:
        if changes.papers or changes.tags or changes.lists:
            with self._lock:
                if self._timer is not None:
                    self._timer.cancel()
                self._timer = threading.Timer(self.delay, self._run)
                self._timer.daemon = True
                self._timer.start()

    def _run(self) -> None:
        from readinglist.services.citations import refresh_autoexports  # the ORM, on the timer thread

        try:
            refresh_autoexports(self.lib)
        except Exception:
            log.exception("auto-export failed")

    def flush(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            self._run()

    def close(self) -> None:
        self.flush()
        if self._changed in self.lib.on_change:
            self.lib.on_change.remove(self._changed)
