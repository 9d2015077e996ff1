"""``undo``, ``redo`` and ``history``: the library's undo history, shared with the desktop app."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from readinglist.cli.output import emit_json, message
from readinglist.cli.papers import add_format
from readinglist.lazy import lazy_module
from readinglist.services.library import Library

if TYPE_CHECKING:  # loaded when a command runs
    from readinglist.services import history
else:
    history = lazy_module("readinglist.services.history")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("undo", help="undo your last change to the library (from here or the app)")
    add_format(p)
    p.set_defaults(func=cmd_undo)
    p = sub.add_parser("redo", help="redo the change undone last")
    add_format(p)
    p.set_defaults(func=cmd_redo)
    p = sub.add_parser("history", help="your recent changes, newest first (what undo and redo would do)")
    p.add_argument("--limit", type=int, default=20, help="how many steps (default 20)")
    add_format(p)
    p.set_defaults(func=cmd_history, readonly=True)


def _report(args: argparse.Namespace, verb: str, result: history.UndoResult) -> int:
    if args.format == "json":
        emit_json({"label": result.label, "papers": list(result.papers), "conflicts": list(result.conflicts)})
    else:
        message(f"{verb}: {result.label}")
    for c in result.conflicts:
        message(f"left as it is (changed since): {c}")
    return 0


def cmd_undo(lib: Library, args: argparse.Namespace) -> int:
    return _report(args, "undone", history.undo(lib))


def cmd_redo(lib: Library, args: argparse.Namespace) -> int:
    return _report(args, "redone", history.redo(lib))


def cmd_history(lib: Library, args: argparse.Namespace) -> int:
    steps = lib.history(limit=max(1, args.limit))
    if args.format == "json":
        emit_json([s.to_json() for s in steps])
        return 0
    if not steps:
        message("no changes yet")
        return 0
    for s in steps:
        mark = "undone" if s.state == "undone" else "      "
        when = s.time.replace(tzinfo=dt.UTC).astimezone()
        print(f"{s.id:>6}  {when:%Y-%m-%d %H:%M}  {mark}  {s.label}")
    return 0
