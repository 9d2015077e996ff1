"""Start the desktop app: QApplication, appearance, the library and its services, the main window.

``readinglist gui`` calls :func:`main` with ``["--library", DIR, "--demo", "--screenshot", FILE,
"--size", "WxH"]``; the ``readinglist-gui`` script calls it with ``sys.argv``.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from readinglist import __version__
from readinglist.config import choose_library_dir, resolve_library_dir
from readinglist.errors import ReadingListError
from readinglist.services.library import Library
from ui import settings as keys
from ui.appearance import apply_appearance
from ui.bus import Bus
from ui.models.context import AppContext
from ui.settings import Settings
from ui.tasks import Tasks
from ui.views import icons

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="readinglist-gui", description="The readinglist desktop app.")
    p.add_argument("--library", type=Path, metavar="DIR", help="library folder")
    p.add_argument("--demo", action="store_true", help="a throwaway library filled with sample data")
    p.add_argument("--screenshot", metavar="FILE", help="render the loaded window to a PNG and exit")
    p.add_argument("--size", default="1400x900", metavar="WxH", help="window size for --screenshot")
    p.add_argument("--theme", choices=("light", "dark", "system"), help="override the theme setting")
    p.add_argument("--no-sync", action="store_true", help="do not sync at start")
    p.add_argument("--version", action="version", version=f"readinglist {__version__}")
    return p.parse_args(list(argv) if argv is not None else None)


def make_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "readinglist"])
    assert isinstance(app, QApplication)
    app.setApplicationName("readinglist")
    app.setOrganizationName("readinglist")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("readinglist")
    icons.register_search_paths()
    app.setWindowIcon(QIcon(str(icons.RESOURCES / "icons" / "app.svg")))
    return app


def build_context(lib: Library, settings: Settings) -> AppContext:
    bus = Bus()
    bus.attach(lib)
    return AppContext(lib=lib, tasks=Tasks(), bus=bus, settings=settings)


def open_window(ctx: AppContext, *, sync: bool = True) -> MainWindow:
    """Create, show and start the main window for ``ctx``."""
    from ui.main_window import MainWindow

    win = MainWindow(ctx)
    if not sync:
        win.sync.start_if_enabled = lambda: None  # type: ignore[method-assign]
    win.start()
    win.show_when_ready()
    return win


def tune_gc() -> None:
    """Fewer, shorter garbage-collector pauses: a full collection walks every tracked object and
    holds the GIL, stalling the event loop for 50-100 ms mid-sync. The objects alive once the
    window is up (modules, Qt wrappers) live as long as the app, so they are frozen out of the
    collector's walks, and young collections run less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def library_root(explicit: Path | None, settings: Settings) -> Path:
    """The CLI's rule (``readinglist.config.resolve_library_dir``): ``--library``, else
    ``READINGLIST_HOME``, else the folder chosen in Settings, else the platform default. A folder
    remembered by an older version (``library/last``) counts as chosen."""
    last = settings.get(keys.LAST_LIBRARY)
    return resolve_library_dir(explicit, fallback=Path(last) if last else None)


def _demo_library() -> Library:
    from readinglist.demo import populate_demo

    root = Path(tempfile.mkdtemp(prefix="readinglist-demo-"))
    lib = Library.open(root)
    populate_demo(lib)
    return lib


def _screenshot(win, path: str, app: QApplication) -> None:  # type: ignore[no-untyped-def]
    """Save the window as a PNG once its data is shown (or after 20 s whatever it shows)."""
    done = {"saved": False}

    def grab() -> None:
        if done["saved"]:
            return
        done["saved"] = True
        win.repaint()
        app.processEvents()
        ok = win.grab().save(path)
        print(f"screenshot: {path}" if ok else f"could not write {path}", file=sys.stderr)
        app.exit(0 if ok else 1)

    win.ready.connect(lambda: QTimer.singleShot(400, grab))
    QTimer.singleShot(20_000, grab)


def database_url(settings: Settings) -> str | None:
    """Where the library's data lives: ``READINGLIST_DATABASE_URL``, else the URL chosen in
    Settings (Lab), else None (the SQLite file in the library folder). Also names the member:
    the name chosen in Settings, unless ``READINGLIST_USER`` is set (it then wins, for this
    process and the commands it starts)."""
    member = settings.get(keys.MEMBER).strip()
    if member and not os.environ.get("READINGLIST_USER", "").strip():
        os.environ["READINGLIST_USER"] = member
    return os.environ.get("READINGLIST_DATABASE_URL", "").strip() or settings.get(keys.DATABASE_URL) or None


def open_or_restore(root: Path | None, url: str | None = None) -> Library:
    """Open the library (its data on the server at ``url``, if given); when its file is damaged,
    offer to put back the newest good backup (the damaged file is kept aside) and say which
    date came back."""
    from PySide6.QtWidgets import QMessageBox

    from readinglist.errors import DamagedLibrary
    from readinglist.services.recovery import restore_backup

    try:
        return Library.open(root, database_url=url)
    except DamagedLibrary as exc:
        answer = QMessageBox.question(
            None,
            "The library is damaged",
            f"{exc}.\n\nPut back the newest good backup now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            raise
    done = restore_backup(root)
    QMessageBox.information(
        None,
        "Backup restored",
        f"The backup of {done.taken:%Y-%m-%d %H:%M} is back; changes made after that time are not in it."
        + (f"\nThe damaged file is kept as {done.kept_aside}." if done.kept_aside else ""),
    )
    return Library.open(root)


def main(argv: list[str] | None = None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    if QApplication.instance() is None:
        from ui.preflight import check_or_exit

        check_or_exit(argv)  # no display or a missing library: exit 1 with a message, not 134
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    app = make_app()
    throwaway = args.demo or bool(args.screenshot)
    # A demo or a screenshot must not read or overwrite the user's window layout.
    settings = (
        Settings(Path(tempfile.mkdtemp(prefix="readinglist-ui-")) / "ui.ini") if throwaway else Settings()
    )
    apply_appearance(settings, args.theme)
    from ui.dialogs.errors import install_excepthook

    install_excepthook()
    # "Follow the system": re-theme live when the desktop switches between light and dark.
    QGuiApplication.styleHints().colorSchemeChanged.connect(
        lambda *_: (
            apply_appearance(settings, args.theme)
            if (args.theme or settings.get(keys.THEME)) == "system"
            else None
        )
    )
    try:
        lib = (
            _demo_library()
            if args.demo
            else open_or_restore(library_root(args.library, settings), database_url(settings))
        )
    except ReadingListError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ctx = build_context(lib, settings)
    sync = not (args.no_sync or throwaway)
    win = open_window(ctx, sync=sync)
    if args.screenshot:
        w, _, h = args.size.partition("x")
        win.resize(int(w), int(h))
        _screenshot(win, args.screenshot, app)

    def switch(path: str) -> None:
        nonlocal ctx, win
        old = ctx
        try:
            new_lib = Library.open(Path(path), database_url=None if throwaway else database_url(settings))
        except ReadingListError as exc:
            old.bus.error(str(exc))
            return
        # The new window shows itself once loaded; meanwhile none is on screen, and closing the
        # last one would make Qt quit the app instead of switching.
        quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)
        try:
            win.close()
            old.bus.detach()
            old.lib.close()
            if not throwaway:  # chosen in Settings: the app and the CLI open it from now on
                choose_library_dir(new_lib.root)
                settings.set(keys.LAST_LIBRARY, str(new_lib.root))
            ctx = build_context(new_lib, settings)
            win = open_window(ctx, sync=sync)
            win.switch_library.connect(switch)
        finally:
            app.setQuitOnLastWindowClosed(quit_on_close)

    win.switch_library.connect(switch)
    win.ready.connect(tune_gc)
    code = app.exec()
    ctx.bus.detach()
    ctx.lib.close()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
