"""``readinglist``: the command-line face of the library. One top-level error handler."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist import __version__
from readinglist.cli.term import terminal_size
from readinglist.errors import Cancelled, ReadingListError

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from readinglist.services.library import Library

COMMAND_MODULES = (
    "papers", "sync", "files", "citations", "maintenance", "annotations", "discovery", "history", "interop",
    "recovery", "lab", "recommend",
)  # fmt: skip
# Which module registers a command: a command named here builds only its module's parser, so it
# does not import every other command's dependencies (a command missing here builds them all).
COMMAND_OWNERS = {
    **dict.fromkeys(
        ("add", "list", "trending", "search", "show", "save", "dismiss", "tag", "status", "note"), "papers"
    ),
    **dict.fromkeys(("export", "autoexport", "rekey"), "citations"),
    **dict.fromkeys(("undo", "redo", "history"), "history"),
    "sync": "sync",
    "auto-tag": "recommend",
}


def _command_word(argv: Sequence[str]) -> str | None:
    """The command in ``argv`` (after the global options), or None for ``--help``/``--version``."""
    it = iter(argv)
    for tok in it:
        if tok == "--library":
            next(it, None)
        elif tok in ("--debug",) or tok.startswith("--library="):
            continue
        else:
            return None if tok.startswith("-") else tok
    return None


class _Parser(argparse.ArgumentParser):
    """argparse's parser, sizing its help to the terminal without shutil (argparse builds a
    formatter, and imports shutil for its width, at every ``add_argument``). Subcommands'
    parsers are of this class too (``add_subparsers`` uses the parent's)."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        width = terminal_size().columns - 2  # what HelpFormatter computes with shutil
        return self.formatter_class(prog=self.prog, width=width)  # type: ignore[call-arg]  # every HelpFormatter takes width


class _LoggingOnImport:
    """A meta path finder that configures :mod:`logging` right after it is first imported:
    read commands never load it, and any module that does load it logs as configured."""

    def __init__(self, configure: Callable[[], None]) -> None:
        self.configure = configure

    def find_spec(self, name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _then(spec.loader, self.configure)
        return spec


def _then(loader: Loader, then: Callable[[], None]) -> Loader:
    """``loader``, calling ``then`` once the module has run."""
    import importlib.abc  # only when logging is being loaded: a heavier import anyway

    class ThenConfigure(importlib.abc.Loader):
        def create_module(self, spec: ModuleSpec) -> ModuleType | None:
            return loader.create_module(spec)

        def exec_module(self, module: ModuleType) -> None:
            loader.exec_module(module)
            sys.modules[module.__name__] = module  # the import system puts it there after us
            then()

    return ThenConfigure()


def _configure_logging(debug: bool) -> None:
    """Warnings and errors (and debug messages with --debug) as ``LEVEL: message`` on stderr,
    set up now if logging is loaded, else the moment something loads it."""

    def configure() -> None:
        import logging

        logging.basicConfig(
            level=logging.DEBUG if debug else logging.WARNING,
            format="%(levelname)s: %(message)s",
            stream=sys.stderr,
        )

    if debug or "logging" in sys.modules:
        configure()
    elif not any(isinstance(f, _LoggingOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _LoggingOnImport(configure))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="readinglist",
        description="A reading-list manager for the Hugging Face Daily Papers feed and arXiv.",
    )
    parser.add_argument(
        "--library",
        type=Path,
        metavar="DIR",
        help="library folder (default: $READINGLIST_HOME, else the folder chosen in the app, else the user data folder)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="keep the library's data on a server: postgresql+psycopg://user@host/db "
        "(default: $READINGLIST_DATABASE_URL, else the SQLite file in the library folder)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"readinglist {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    import importlib

    word = _command_word(argv) if argv is not None else None
    owner = COMMAND_OWNERS.get(word or "")
    if owner:
        modules: Sequence[str] = (owner,)
    elif word is None and argv is not None and "--version" in argv:
        modules = ()  # argparse prints the version and exits before it looks at a command
    else:
        modules = COMMAND_MODULES
    for name in modules:
        importlib.import_module(f"readinglist.cli.{name}").register(sub)
    return parser


def _reader_gone() -> int:
    """Whoever read our output stopped (``readinglist list | head``): end quietly, as Unix tools
    do, instead of a traceback; stdout goes to /dev/null so the exit's flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 1


def _daily_backup(lib: Library) -> None:
    """The day's backup (verified, newest three kept), taken before the day's first changing
    command runs: it holds the library as the day found it, not what this command is about to
    change, and costs little ahead of a big import. A library this command makes has nothing
    to back up yet. A failure warns and the command goes on: its changes can still be undone."""
    try:
        lib.maybe_daily_backup()
    except ReadingListError as exc:
        print(f"warning: the daily backup failed ({exc}); going on without it", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    _configure_logging(args.debug)
    lib = None
    try:
        early = getattr(args, "early", None)  # work that needs no library, begun before it opens
        if early is not None:
            early(args)
        if getattr(args, "needs_library", True):
            from readinglist.config import resolve_library_dir
            from readinglist.services.library import Library

            lib = Library.open(resolve_library_dir(args.library), database_url=args.database_url)
            for notice in lib.notices:
                print(f"note: {notice}", file=sys.stderr)
        changing = lib if lib is not None and not getattr(args, "readonly", False) else None
        if changing is not None and not changing.made_now:
            _daily_backup(changing)
        try:
            code = int(args.func(lib, args) or 0)
        except BrokenPipeError:
            code = _reader_gone()
        if changing is not None:  # the change is committed: files that follow it still follow
            _refresh_autoexports(changing)
        return code
    except Cancelled as exc:
        print(f"cancelled: {exc}", file=sys.stderr)
        return 1
    except ReadingListError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        from readinglist.fileutil import disk_full_message, is_disk_full

        if args.debug or not is_disk_full(exc):
            raise
        where = lib.root if lib is not None else Path(exc.filename or ".").parent
        print(f"error: {disk_full_message(where)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        if lib is not None:
            lib.close()


def _refresh_autoexports(lib: object) -> None:
    """Registered .bib files follow every change a command made (written only if different)."""
    from readinglist.services.exporting import autoexports

    if autoexports(lib):  # type: ignore[arg-type]
        from readinglist.services.citations import refresh_autoexports

        for path in refresh_autoexports(lib):  # type: ignore[arg-type]
            print(f"updated {path}", file=sys.stderr)


def run() -> None:
    """The ``readinglist`` command (and ``python -m readinglist``): :func:`main`, then exit.

    Whatever is left dies with the process, so the interpreter is spared collecting it first:
    ``gc.freeze()`` takes it out of the collector's sight, and the exit no longer walks every
    module's reference cycles to free them one by one, which took 5-6 ms of every command (a
    tenth of a ``show``). By then the library and the files written are closed; the interpreter
    still flushes standard output and runs the atexit handlers. Tests call :func:`main`, which
    leaves the collector alone."""
    code = main()
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
