"""Daily Papers sync: fetch each day, upsert it in one transaction, never touch user data."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence

from readinglist.db.schema import Setting, SyncedDay, utcnow
from readinglist.errors import Cancelled, FeedFormatError, NetworkError
from readinglist.records import Changes, DaySyncReport, FeedDay, Progress, SyncReport
from readinglist.services import ingest
from readinglist.services.library import Library

log = logging.getLogger(__name__)
MAX_DAYS = 7


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
    """Write one parsed day in a single transaction (not an undo step: the feed is not the
    user's to undo, and undoing the user's own steps after a sync still works)."""
    with lib.change(f"Sync {day.date.isoformat()}", undoable=False) as tx:
        result = ingest.ingest_feed_items(tx, day.date, day.items, make_key=lib.make_citekey)
        tx.session.merge(SyncedDay(feed_date=day.date, synced_at=utcnow(), papers=len(day.items)))
        tx.touched(feed=True)
    report = DaySyncReport(
        date=day.date,
        new=len(result.new),
        updated=len(result.updated),
        unchanged=len(result.unchanged),
        skipped=day.skipped,
    )
    changes = Changes(papers=frozenset(result.new | result.updated), feed=True)
    return report, changes


def sync_days(
    lib: Library,
    days: Sequence[dt.date],
    *,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    after_day: Callable[[FeedDay, Changes], object] | None = None,
) -> SyncReport:
    """Fetch and ingest each day. A network failure stops the run (the host is unreachable);
    a malformed day is reported and the next one is tried. Finished days stay written."""
    from readinglist.sources.huggingface import fetch_daily

    reports: list[DaySyncReport] = []
    newest_ok: dt.date | None = None
    for n, day in enumerate(days):
        if cancelled is not None and cancelled():
            raise Cancelled("sync cancelled; the days already synced are kept")
        if progress:
            progress(Progress(n, len(days), f"Syncing Daily Papers of {day.isoformat()}"))
        try:
            feed = fetch_daily(lib.http, lib.endpoints.hf, day, cancelled=cancelled)
        except NetworkError as exc:
            reports.append(DaySyncReport(date=day, error=str(exc)))
            for rest in days[n + 1 :]:
                reports.append(
                    DaySyncReport(date=rest, error=f"not tried after the failure on {day.isoformat()}")
                )
            break
        except FeedFormatError as exc:
            reports.append(DaySyncReport(date=day, error=str(exc)))
            continue
        report, changes = ingest_day(lib, feed)
        if after_day is not None:
            after_day(feed, changes)
        reports.append(report)
        if all(r.error is None for r in reports):
            newest_ok = day
    if newest_ok is not None:
        _advance_last_sync(lib, newest_ok)
    auto = 0
    fresh = [r.date for r in reports if r.error is None and r.new]
    if fresh:
        from readinglist.services import autotag

        auto = autotag.after_sync(lib, fresh)  # one undo step; a no-op unless the setting is on
    if progress:
        synced = sum(r.error is None for r in reports)
        ok = synced == len(reports)
        # a stopped sync leaves the bar where it stopped, not full
        progress(
            Progress(synced if not ok else len(days), len(days), "Sync finished" if ok else "Sync stopped")
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
