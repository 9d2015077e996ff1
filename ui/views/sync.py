"""Background sync of the Daily Papers: at start, every few hours, and on request.

Runs ``readinglist.services.sync`` in a worker with progress and cancellation; each finished
day is posted to the bus at once, so new papers appear while later days are still loading,
and the alerts run over each day's new papers (matches show as counts in the sidebar).
Without a network it says so once, calmly, and everything else keeps working.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from readinglist.errors import Cancelled
from readinglist.lazy import lazy_module
from readinglist.records import Changes, FeedDay, PaperFilter, SyncReport
from readinglist.services.library import Library
from ui import settings as keys
from ui.models.context import AppContext
from ui.tasks import TaskContext, TaskHandle
from ui.views.jobs import JobsIndicator

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import alerts
    from readinglist.services import sync as syncsvc
else:
    alerts = lazy_module("readinglist.services.alerts")
    syncsvc = lazy_module("readinglist.services.sync")

log = logging.getLogger(__name__)
_NETWORK_HINTS = ("could not get", "Hugging Face answered", "not tried", "refusing to fetch")


@dataclass(frozen=True)
class SyncNews:
    """What a sync brought: new papers, how many of them matched an alert, the days covered."""

    new: int
    matched: int
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class SyncResult:
    report: SyncReport
    matched: int  # new feed papers that matched an alert for the first time in this sync


def _alert_matches(lib: Library) -> dict[str, set[int]]:
    return {
        name: set(lib.paper_ids(PaperFilter(alert=name, dismissed=None))) for name in alerts.alert_counts(lib)
    }


def run_sync(ctx: AppContext, *, task: TaskContext) -> SyncResult:
    """The worker side: which days, then fetch and ingest them (posting each day's changes)
    and run the alerts over each day's new feed papers."""
    days = syncsvc.days_to_sync(ctx.lib)
    hook = alerts.sync_hook(ctx.lib)
    before = _alert_matches(ctx.lib)
    matched: set[int] = set()

    def after_day(feed: FeedDay, changes: Changes) -> None:
        ctx.bus.post(changes)
        try:
            found = hook(feed, changes)
        except Exception:  # an alert must never cost the user the feed
            log.exception("alerts failed for %s", feed.date)
            return
        for name, ids in found.items():
            matched.update(set(ids) - before.get(name, set()))

    report = syncsvc.sync_days(
        ctx.lib, days, progress=task.progress, cancelled=task.cancelled, after_day=after_day
    )
    return SyncResult(report, len(matched))


def is_offline(report: SyncReport) -> bool:
    failed = [d for d in report.days if d.error]
    return bool(failed) and any(d.error and d.error.startswith(_NETWORK_HINTS) for d in failed)


class SyncController(QObject):
    started = Signal()
    finished = Signal(object)  # SyncReport or None after a failure
    brought_news = Signal(object)  # SyncNews, after a sync that found new papers

    def __init__(self, ctx: AppContext, jobs: JobsIndicator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self.handle: TaskHandle | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.sync_now)
        self.apply_settings()

    def apply_settings(self) -> None:
        hours = self.ctx.settings.get(keys.SYNC_INTERVAL_HOURS)
        if hours > 0:
            self.timer.start(int(hours * 3600 * 1000))
        else:
            self.timer.stop()

    def start_if_enabled(self) -> None:
        if self.ctx.settings.get(keys.SYNC_ON_START):
            self.sync_now()

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def sync_now(self) -> None:
        if self.running:
            return
        self.handle = self.ctx.tasks.run(
            run_sync, self.ctx, context=True, name="sync", on_done=self._done, on_error=self._failed
        )
        self.jobs.track(self.handle, "Syncing Daily Papers")
        self.started.emit()

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def shutdown(self) -> None:
        """The window closes: stop a sync in flight (the tasks' shutdown drops its callbacks)
        and the periodic one, which would sync a library about to close."""
        self.cancel()
        self.timer.stop()

    def user_sync(self) -> None:
        """Sync now, as asked: while offline, say so at once (the result replaces the note)."""
        self._asked = True
        if self.ctx.offline:
            self.ctx.bus.info("Offline: trying to reach Hugging Face…", topic="offline")
        self.sync_now()

    def _done(self, result: SyncResult) -> None:
        report = result.report
        asked, self._asked = getattr(self, "_asked", False), False
        if is_offline(report):
            if not self.ctx.offline or asked:  # said once for background syncs; every time when asked
                self.ctx.bus.info(
                    "You seem to be offline: the feed will update when the network is back. "
                    "Everything else works as usual.",
                    topic="offline",
                )
            self.ctx.set_online(False)
        else:
            self.ctx.set_online(True)
            problems = [f"{d.date}: {d.error}" for d in report.days if d.error]
            skipped = [f"{d.date}: {s}" for d in report.days for s in d.skipped]
            if problems:
                self.ctx.bus.warning(
                    "Some days of the feed could not be read.", "\n".join(problems + skipped), topic="sync"
                )
            else:
                self.ctx.bus.resolve("sync")
        if report.auto_tagged:
            n = report.auto_tagged
            self.ctx.bus.info(
                f"Auto-tagged {n} new paper{'s' if n != 1 else ''} (dashed tags; Ctrl+Z takes them all back).",
                topic="autotag",
            )
        self.finished.emit(report)
        if report.new and not is_offline(report):
            fresh = [d.date for d in report.days if d.new]
            end = max(d.date for d in report.days if not d.error)
            self.brought_news.emit(SyncNews(report.new, result.matched, min(fresh), end))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.ctx.bus.info("Sync cancelled; the days already fetched are kept.")
        else:
            self.ctx.report_error(exc)
        self.finished.emit(None)
