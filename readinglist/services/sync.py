"""Daily Papers sync: fetch each day, upsert it in one transaction, never touch user data."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from readinglist.db.schema import Setting
from readinglist.errors import Cancelled, FeedFormatError, NetworkError
from readinglist.records import Changes, DaySyncReport, FeedDay, Progress, SyncReport
from readinglist.services import ingest
from readinglist.services.library import Library

log = logging.getLogger(__name__)
MAX_DAYS = 7
AHEAD = 2  # requests at a time while days are written: two is polite to the host
WINDOW = 16  # days queued for fetching ahead of the one written
GROUP_PAPERS = 2000  # at most this many papers per transaction (a cancel waits for one)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def days_to_sync(
    lib: Library, *, date: dt.date | None = None, days: int | None = None, today: dt.date | None = None
) -> list[dt.date]:
    """Which days a sync covers, oldest first.

    ``date``: that day alone. ``days``: the last N days up to today. Neither: every day missed
    since the last successful sync (that day again too: it may have been a partial day), at
    most :data:`MAX_DAYS` back; a new library back-fills ``sync_backfill_days``.
    """
    today = today or today_utc()
    if date is not None:
        return [date]
    if days is None:
        last = lib.setting("last_sync")
        backfill = int(lib.setting("sync_backfill_days") or MAX_DAYS)  # type: ignore[call-overload]
        if last:
            gap = (today - dt.date.fromisoformat(str(last))).days + 1
            days = max(1, min(gap, MAX_DAYS))
        else:
            days = max(1, min(backfill, MAX_DAYS))
    if days < 1:
        raise ValueError("--days must be at least 1")
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


def ingest_day(lib: Library, day: FeedDay) -> tuple[DaySyncReport, Changes]:
    """Write one parsed day in a single transaction (see :func:`ingest_days`)."""
    return ingest_days(lib, [day])[0]


def ingest_days(lib: Library, days: Sequence[FeedDay]) -> list[tuple[DaySyncReport, Changes]]:
    """Write parsed days in a single transaction, each day's report and changes in order.

    Not an undo step: the feed is not the user's to undo, and undoing the user's own steps
    after a sync still works. Days fetched together are written together: a commit (and the
    WAL checkpoints that commits bring) costs as much as writing a day's fifty papers.
    """
    out: list[tuple[DaySyncReport, Changes]] = []
    if not days:
        return out
    label = days[0].date.isoformat() + (f" to {days[-1].date.isoformat()}" if len(days) > 1 else "")
    with lib.change(f"Sync {label}", undoable=False) as tx:
        for day in days:
            result = ingest.ingest_feed_items(tx, day.date, day.items, make_key=lib.make_citekey)
            report = DaySyncReport(
                date=day.date,
                new=len(result.new),
                updated=len(result.updated),
                unchanged=len(result.unchanged),
                skipped=day.skipped,
            )
            out.append((report, Changes(papers=frozenset(result.new | result.updated), feed=True)))
        ingest.mark_synced(tx.session, [(day.date, len(day.items)) for day in days])
        tx.touched(feed=True)
    return out


class _Prefetch:
    """Fetches the days ahead while the current ones are written: on a real network a day's
    request waits far longer than its write, so the waits overlap the writes instead of adding
    up. At most :data:`AHEAD` requests run at once; up to :data:`WINDOW` days are queued. Days
    are handed out in order; leaving stops the fetches still running (each request checks the
    stop between chunks and retries), drops those not started and waits for the rest."""

    def __init__(self, lib: Library, days: Sequence[dt.date], cancelled: Callable[[], bool] | None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._lib, self._days, self._cancelled = lib, days, cancelled
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=AHEAD, thread_name_prefix="sync-fetch")
        self._futures: dict[int, Future[FeedDay]] = {}

    def _gone(self) -> bool:
        return self._stop.is_set() or (self._cancelled is not None and self._cancelled())

    def _fetch(self, day: dt.date) -> FeedDay:
        from readinglist.sources.huggingface import fetch_daily

        return fetch_daily(self._lib.http, self._lib.endpoints.hf, day, cancelled=self._gone)

    def _queue(self, n: int) -> None:
        for k in range(n, min(n + WINDOW, len(self._days))):
            if k not in self._futures:
                self._futures[k] = self._pool.submit(self._fetch, self._days[k])

    def ready(self, n: int) -> bool:
        """Whether day ``n``'s fetch has finished (so :meth:`get` will not wait)."""
        future = self._futures.get(n)
        return future is not None and future.done()

    def get(self, n: int) -> FeedDay:
        """Day ``n``'s feed (or the error its fetch raised), the next days' fetches queued."""
        self._queue(n)
        return self._futures.pop(n).result()

    def __enter__(self) -> _Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def sync_days(
    lib: Library,
    days: Sequence[dt.date],
    *,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    after_day: Callable[[FeedDay, Changes], object] | None = None,
) -> SyncReport:
    """Fetch and ingest each day. A network failure stops the run (the host is unreachable);
    a malformed day is reported and the next one is tried. Finished days stay written.

    Days already fetched when one is written go into the same transaction (up to
    :data:`GROUP_PAPERS` papers): a back-fill of hundreds of days writes a few thousand papers
    per commit, a morning's sync over a slow network one or two days. No transaction waits
    for the network.
    """
    reports: list[DaySyncReport] = []
    n = 0
    failed = False
    with _Prefetch(lib, days, cancelled) as ahead:
        while n < len(days) and not failed:
            if cancelled is not None and cancelled():
                raise Cancelled("sync cancelled; the days already synced are kept")
            group: list[FeedDay] = []
            slots: list[DaySyncReport | FeedDay] = []  # this round's days, in order
            papers = 0
            while n < len(days) and (not slots or (ahead.ready(n) and papers < GROUP_PAPERS)):
                day = days[n]
                if progress:
                    progress(Progress(n, len(days), f"Syncing Daily Papers of {day.isoformat()}"))
                n += 1
                try:
                    feed = ahead.get(n - 1)
                except NetworkError as exc:
                    slots.append(DaySyncReport(date=day, error=str(exc)))
                    slots.extend(
                        DaySyncReport(date=rest, error=f"not tried after the failure on {day.isoformat()}")
                        for rest in days[n:]
                    )
                    failed = True
                    break
                except FeedFormatError as exc:
                    slots.append(DaySyncReport(date=day, error=str(exc)))
                    continue
                group.append(feed)
                slots.append(feed)
                papers += len(feed.items)
            written = iter(ingest_days(lib, group))
            for slot in slots:
                if isinstance(slot, DaySyncReport):
                    reports.append(slot)
                    continue
                report, changes = next(written)
                if after_day is not None:
                    after_day(slot, changes)
                reports.append(report)
    newest_ok: dt.date | None = None  # the last day of the unbroken run of synced days
    for r in reports:
        if r.error is not None:
            break
        newest_ok = r.date
    if newest_ok is not None:
        _advance_last_sync(lib, newest_ok)
    auto = 0
    fresh = [r.date for r in reports if r.error is None and r.new]
    if fresh:
        from readinglist.services import autotag

        auto = autotag.after_sync(lib, fresh)  # one undo step; a no-op unless the setting is on
    if progress:
        synced = sum(r.error is None for r in reports)
        done = synced == len(days)
        # a stopped sync leaves the bar where it stopped, not full
        progress(
            Progress(
                synced if not done else len(days), len(days), "Sync finished" if done else "Sync stopped"
            )
        )
    return SyncReport(tuple(reports), auto_tagged=auto)


def _advance_last_sync(lib: Library, day: dt.date) -> None:
    """Move ``last_sync`` forward (never back: two syncs may finish in any order)."""
    from readinglist.services import library_settings

    with lib.change("Record the sync", undoable=False) as tx:
        row = tx.session.get(Setting, "last_sync")
        last = json.loads(row.value) if row is not None else None
        if not last or dt.date.fromisoformat(str(last)) < day:
            library_settings.write(tx, "last_sync", day.isoformat())
