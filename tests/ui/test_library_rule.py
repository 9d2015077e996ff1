"""One rule for the app and the CLI: --library, else READINGLIST_HOME, else the folder chosen in
Settings, else the platform default. The title names the folder only when it is not the default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.config import choose_library_dir, platform_library_dir, resolve_library_dir
from readinglist.services.library import Library

ROOT = Path(__file__).resolve().parents[2]

# A normal start (no --demo, no --screenshot: the user's own QSettings) that reports which
# library the window opened and its title, then quits.
START = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.settings import Settings, LAST_LIBRARY
from readinglist.config import choose_library_dir
app = QApplication([])
remembered = sys.argv[1]
Settings().set(LAST_LIBRARY, remembered)
choose_library_dir(remembered)
def report():
    from ui.main_window import MainWindow
    win = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    print(json.dumps({"root": str(win.ctx.lib.root), "title": win.windowTitle()}))
    app.quit()
QTimer.singleShot(4000, report)
from ui.app import main
sys.exit(main(["--no-sync"]))
"""


def _start(tmp_path: Path, remembered: Path, **env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "READINGLIST_HOME"}
    base.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        **env,
    )
    res = subprocess.run(
        [sys.executable, "-c", START, str(remembered)],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_readinglist_home_wins_over_the_folder_the_app_remembers(tmp_path: Path) -> None:
    home, remembered = tmp_path / "from-env", tmp_path / "remembered"
    out = _start(tmp_path, remembered, READINGLIST_HOME=str(home))
    assert Path(out["root"]) == home
    assert out["title"] == "readinglist — from-env"
    assert (home / "library.sqlite3").exists() and not (remembered / "library.sqlite3").exists()


def test_without_readinglist_home_the_chosen_folder_opens(tmp_path: Path) -> None:
    remembered = tmp_path / "remembered"
    out = _start(tmp_path, remembered)
    assert Path(out["root"]) == remembered.resolve()
    assert out["title"] == "readinglist — remembered"


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("READINGLIST_HOME", raising=False)
    return tmp_path


def test_the_rule_in_order(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_library_dir() == platform_library_dir() == isolated / "data" / "readinglist"
    assert resolve_library_dir(fallback=isolated / "old") == isolated / "old"
    choose_library_dir(isolated / "chosen")
    assert resolve_library_dir(fallback=isolated / "old") == isolated / "chosen"
    monkeypatch.setenv("READINGLIST_HOME", str(isolated / "env"))
    assert resolve_library_dir() == isolated / "env"
    assert resolve_library_dir(isolated / "flag") == isolated / "flag"


def test_the_cli_opens_the_chosen_folder_too(isolated: Path) -> None:
    from readinglist.cli.main import main

    choose_library_dir(isolated / "chosen")
    assert main(["list"]) == 0
    assert (isolated / "chosen" / "library.sqlite3").exists()


@pytest.fixture
def default_lib(isolated: Path) -> Iterator[Library]:
    lib = Library.open(platform_library_dir())
    yield lib
    lib.close()


def test_the_title_is_plain_for_the_default_library(qtbot, default_lib: Library, make_window) -> None:  # type: ignore[no-untyped-def]
    assert make_window(default_lib).windowTitle() == "readinglist"
