"""``restore``: put back a backup of a damaged library (the damaged file is kept aside)."""

from __future__ import annotations

import argparse
from pathlib import Path

from readinglist.cli.output import emit_json, message
from readinglist.cli.papers import add_format
from readinglist.services.recovery import list_backups, restore_backup


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("restore", help="put back the newest good backup (the current file is kept aside)")
    p.add_argument(
        "backup", nargs="?", type=Path, help="a backup file name from --list (default: the newest good one)"
    )
    p.add_argument("--list", action="store_true", help="list the backups, newest first, each verified")
    add_format(p)
    p.set_defaults(func=cmd_restore, needs_library=False)


def cmd_restore(_lib: None, args: argparse.Namespace) -> int:
    if args.list:
        infos = list_backups(args.library)
        if args.format == "json":
            emit_json(
                [
                    {"file": i.path.name, "taken": i.taken.isoformat(), "ok": i.ok, "bytes": i.size}
                    for i in infos
                ]
            )
            return 0
        if not infos:
            message("no backups yet (one is taken every day a change is made, and before upgrades)")
        for i in infos:
            state = "ok" if i.ok else "DAMAGED"
            print(f"{i.taken:%Y-%m-%d %H:%M:%S}  {state:7}  {i.size // 1024:>7} KB  {i.path.name}")
        return 0
    done = restore_backup(args.library, args.backup)
    if done.kept_aside:
        message(f"the previous library file is kept as {done.kept_aside}")
    message(
        f"restored the backup of {done.taken:%Y-%m-%d %H:%M} ({done.backup.name}); "
        "changes made after that time are not in it"
    )
    return 0
