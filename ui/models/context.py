"""What every part of the window shares: the library, the task lanes, the bus and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from readinglist.services.library import Library
from ui.bus import Bus
from ui.settings import Settings
from ui.tasks import Lane, Tasks


@dataclass
class AppContext:
    lib: Library
    tasks: Tasks
    bus: Bus
    settings: Settings
    offline: bool = False  # set when a sync found no network; cleared by the next success
    extras: dict[str, object] = field(default_factory=dict)

    def write(self, fn, *args, on_done=None, name: str = "", **kwargs):  # type: ignore[no-untyped-def]
        """Run a library mutation on the serial write lane; errors become notifications."""
        return self.tasks.run(
            fn, *args, lane=Lane.DB, name=name, on_done=on_done, on_error=self.report_error, **kwargs
        )

    def set_online(self, online: bool) -> None:
        """A request got through (or failed for want of network): "Offline" goes (or comes) at
        once, and the notes it made obsolete go with it."""
        was = self.offline
        self.offline = not online
        if online:
            self.bus.resolve("offline")
        if was != self.offline:
            self.bus.online_changed.emit(online)

    def report_error(self, exc: BaseException) -> None:
        from ui.dialogs.errors import report

        report(self.bus, exc)
