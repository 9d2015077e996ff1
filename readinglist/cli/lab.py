"""A lab library on a server: ``migrate --to URL`` and ``watch`` (other members' changes, live)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from readinglist.cli.output import message
from readinglist.errors import ReadingListError
from readinglist.records import Changes
from readinglist.services.library import Library

if TYPE_CHECKING:
    from readinglist.services.migrate import Progress


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "migrate",
        help="copy this library into an empty database (postgresql+psycopg://... or sqlite:///FILE)",
    )
    p.add_argument(
        "--to", required=True, metavar="URL",
        help="the empty target database (run again after an interruption: the copy continues)",
    )  # fmt: skip
    p.set_defaults(func=cmd_migrate, readonly=True)
    p = sub.add_parser("watch", help="print other members' changes as they happen (a library on a server)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (default: until Ctrl-C)")
    p.set_defaults(func=cmd_watch, readonly=True)


def cmd_migrate(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.migrate import migrate_to

    counts = migrate_to(lib, args.to, progress=_progress_printer())
    message("verified: every table's row count and every row's checksum match the source")
    message(f"copied {counts.get('papers', 0)} papers into {_safe(args.to)}")
    return 0


def _progress_printer() -> Callable[[Progress], None]:
    """A line on stderr per table copied, and at most one a second while a big one is."""
    last = [0.0]

    def show(p: Progress) -> None:
        now = time.monotonic()
        if p.total and (p.done == p.total or now - last[0] >= 1.0):
            last[0] = now
            resumed = f", {p.resumed} already there from an interrupted run" if p.resumed else ""
            message(f"{p.table}: {p.done} of {p.total} rows{resumed}")

    return show


def _safe(url: str) -> str:
    from readinglist.services.migrate import describe_url

    return describe_url(url)


def _line(lib: Library, member: str, changes: Changes) -> dict[str, object]:
    out: dict[str, object] = {"member": member}
    if changes.papers:
        rows = lib.get_many(sorted(changes.papers))
        out["papers"] = [
            {"id": r.id, "title": r.title, "tags": list(r.tags), "status": r.status} for r in rows
        ]
    for flag in ("tags", "lists", "feed", "searches"):
        if getattr(changes, flag):
            out[flag] = True
    return out


def cmd_watch(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.live import Subscriber

    if not lib.is_shared:
        raise ReadingListError("watch needs a library on a server: set READINGLIST_DATABASE_URL")
    lock = threading.Lock()

    def show(member: str, changes: Changes) -> None:
        with lock:
            print(json.dumps(_line(lib, member, changes), ensure_ascii=False), flush=True)

    sub = Subscriber(lib, show).start()
    message("watching for changes by other sessions (Ctrl-C to stop)")
    sys.stderr.flush()
    try:
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        sub.stop()
    return 0
