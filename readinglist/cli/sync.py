"""``readinglist sync``: Daily Papers for a date, the last N days, or every missed day."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from readinglist.cli.output import ProgressBar, emit_json, message
from readinglist.cli.papers import _date, add_format
from readinglist.lazy import lazy_module
from readinglist.services.library import Library

if TYPE_CHECKING:  # loaded when a command runs
    from readinglist.services import sync
else:
    sync = lazy_module("readinglist.services.sync")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="sync the Hugging Face Daily Papers feed")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--date", type=_date, help="one day (YYYY-MM-DD)")
    g.add_argument("--days", type=int, help="the last N days up to today")
    add_format(p)
    p.set_defaults(func=cmd_sync)


def cmd_sync(lib: Library, args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        message("error: --days must be at least 1")
        return 2
    days = sync.days_to_sync(lib, date=args.date, days=args.days)
    from readinglist.services import alerts

    report = sync.sync_days(lib, days, progress=ProgressBar("sync"), after_day=alerts.sync_hook(lib))
    if args.format == "json":
        emit_json(
            [
                {
                    "date": d.date.isoformat(),
                    "new": d.new,
                    "updated": d.updated,
                    "unchanged": d.unchanged,
                    "skipped": list(d.skipped),
                    "error": d.error,
                }
                for d in report.days
            ]
        )
    for d in report.days:
        if d.error:
            message(f"{d.date}: error: {d.error}")
            continue
        total = d.new + d.updated + d.unchanged
        line = f"{d.date}: {total} papers ({d.new} new, {d.updated} updated, {d.unchanged} unchanged)"
        if total == 0:
            line = f"{d.date}: no papers that day"
        if d.skipped:
            line += f", {len(d.skipped)} skipped"
        message(line)
        for reason in d.skipped:
            message(f"  skipped: {reason}")
    if report.auto_tagged:
        message(f"auto-tagged {report.auto_tagged} new papers (take them back with: readinglist undo)")
    if not report.ok:
        message(
            "error: the sync did not finish; the days listed without an error were saved, the rest are unchanged"
        )
        return 1
    return 0
