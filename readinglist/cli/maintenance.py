"""``check`` and ``gui``: keeping the library healthy, and opening the desktop app."""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points

from readinglist.cli.output import emit_json, message
from readinglist.cli.papers import add_format
from readinglist.errors import ReadingListError
from readinglist.services.library import Library


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="integrity check of the database and the PDF folder")
    p.add_argument("--fix", action="store_true", help="rebuild the search index, relink moved PDFs")
    add_format(p)
    p.set_defaults(func=cmd_check, readonly=True, needs_library=False)

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("--demo", action="store_true", help="a throwaway library filled with sample data")
    p.add_argument("--screenshot", metavar="FILE", help="render the loaded window to a PNG and exit")
    p.add_argument("--size", default="1400x900", metavar="WxH", help="window size for --screenshot")
    p.set_defaults(func=cmd_gui, needs_library=False)


def cmd_check(_lib: None, args: argparse.Namespace) -> int:
    """Opens the library itself: a damaged file is reported, never a traceback."""
    from readinglist.services.recovery import damage_of, list_backups

    url = getattr(args, "database_url", None)
    damage = [] if url else damage_of(args.library)  # a server checks its own files
    if damage:
        good = [b for b in list_backups(args.library) if b.ok]
        if args.format == "json":
            emit_json({"ok": False, "damaged": damage, "good_backups": [b.path.name for b in good]})
            return 1
        for line in damage:
            message(f"problem: database: {line}")
        if good:
            message(
                f"the newest good backup is from {good[0].taken:%Y-%m-%d %H:%M}; put it back with: readinglist restore"
            )
        else:
            message("no good backup exists; keep a copy of the damaged file before trying anything")
        message("library is DAMAGED" + (" (--fix cannot repair the file itself)" if args.fix else ""))
        return 1
    with Library.open(args.library, database_url=url) as lib:
        return _check_open(lib, args)


def _check_open(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.check import run_check

    report = run_check(lib, fix=args.fix)
    if args.format != "json":
        for notice in lib.notices:
            message(f"note: {notice}")
    if args.format == "json":
        emit_json(
            {
                "ok": report.ok,
                "problems": report.problems,
                "missing": report.missing,
                "changed": report.changed,
                "stray": report.stray,
                "fixed": report.fixed,
                "debris": report.debris,
                "cleared_at_open": lib.notices,
            }
        )
    else:
        for line in report.fixed:
            message(f"fixed: {line}")
        for line in report.problems:
            message(f"problem: {line}")
        for rel in report.missing:
            message(f"missing PDF: {rel}")
        for rel in report.changed:
            message(f"changed PDF (size or checksum differs): {rel}")
        for rel in report.stray:
            message(f"stray file (nothing refers to it; left alone): {rel}")
        for path in report.debris:
            message(f"half-written file (another readinglist is running, or one was stopped): {path}")
        message("library OK" if report.ok else "library has problems (see above)")
    return 0 if report.ok else 1


def cmd_gui(lib: Library | None, args: argparse.Namespace) -> int:
    eps = entry_points(group="readinglist.frontends", name="gui")
    try:
        if not eps:
            raise ModuleNotFoundError("ui", name="ui")
        main = next(iter(eps)).load()
    except ModuleNotFoundError as exc:
        raise ReadingListError(
            f"the desktop app is not installed ({exc.name} is missing); "
            "install it with: pip install 'readinglist[gui]'"
        ) from None
    argv = []
    if args.library:
        argv += ["--library", str(args.library)]
    if args.demo:
        argv.append("--demo")
    if args.screenshot:
        argv += ["--screenshot", args.screenshot, "--size", args.size]
    return int(main(argv) or 0)
