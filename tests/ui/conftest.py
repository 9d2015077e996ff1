"""GUI test fixtures: a demo library per test (copied from one built per session), a main window."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from readinglist.config import Endpoints
from readinglist.services.library import Library

DEAD = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from readinglist.demo import populate_demo

    root = tmp_path_factory.mktemp("demo-template") / "library"
    lib = Library.open(root, Endpoints(hf=DEAD, arxiv=DEAD, arxiv_api=DEAD + "/api", arxiv_delay=0))
    populate_demo(lib, papers=120, days=6, pdfs=1)
    lib.close()
    return root


@pytest.fixture
def open_demo(demo_template: Path, tmp_path: Path) -> Iterator[Callable[..., Library]]:
    """Open a fresh copy of the demo library, with endpoints of the test's choosing."""
    opened: list[Library] = []

    def make(hf: str = DEAD, arxiv: str = DEAD) -> Library:
        root = tmp_path / f"library{len(opened)}"
        shutil.copytree(demo_template, root)
        lib = Library.open(root, Endpoints(hf=hf, arxiv=arxiv, arxiv_api=arxiv + "/api/query", arxiv_delay=0))
        opened.append(lib)
        return lib

    yield make
    for lib in opened:
        lib.close()


@pytest.fixture
def demo_lib(open_demo: Callable[..., Library]) -> Library:
    return open_demo()


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Build a main window on a library; waits until it shows data. Closed at teardown."""
    from ui.app import apply_appearance, build_context, open_window
    from ui.main_window import FIRST_SIZE
    from ui.settings import GEOMETRY, Settings
    from ui.views.icons import register_search_paths

    windows = []

    def make(lib: Library, *, sync: bool = False, settings_path: Path | None = None):  # type: ignore[no-untyped-def]
        register_search_paths()
        settings = Settings(settings_path or tmp_path / "ui.ini")
        apply_appearance(settings, "light")
        ctx = build_context(lib, settings)
        first_run = settings.get(GEOMETRY).isEmpty()
        win = open_window(ctx, sync=sync)
        if first_run:
            # The offscreen screen is 800×600, which would shrink a first window (first_size):
            # tests see the size a desktop's first run gets.
            win.resize(FIRST_SIZE)
        windows.append(win)
        qtbot.waitUntil(lambda: win.is_ready, timeout=15000)
        win.activateWindow()
        win.list.setFocus()
        return win

    yield make
    for win in windows:
        if win.isVisible():
            win.close()
        win.ctx.bus.detach()
        win.deleteLater()


@pytest.fixture
def window(make_window, demo_lib: Library):  # type: ignore[no-untyped-def]
    return make_window(demo_lib)


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any modal dialog a test did not expect fails the test instead of hanging it."""
    from ui.dialogs import prompt

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"unexpected modal dialog: {args[1:3]}")

    for name in (
        "exec_dialog",
        "ask_text",
        "confirm",
        "pick_color",
        "save_file",
        "open_files",
        "pick_folder",
    ):
        monkeypatch.setattr(prompt, name, refuse)
