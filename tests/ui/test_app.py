"""The entry point: ``readinglist gui --demo --screenshot FILE --size WxH`` renders and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_screenshot_of_the_demo_exits_zero(tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    code = (
        "import sys; from ui.app import main; "
        f"sys.exit(main(['--demo', '--screenshot', {str(png)!r}, '--size', '1000x700']))"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    assert (img.width(), img.height()) == (1000, 700)


def test_main_parses_the_cli_arguments(tmp_path: Path) -> None:
    from ui.app import parse_args

    args = parse_args(["--library", str(tmp_path), "--demo", "--screenshot", "x.png", "--size", "1400x900"])
    assert args.library == tmp_path and args.demo and args.screenshot == "x.png" and args.size == "1400x900"


_SWITCH = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.app import main, make_app
from ui.dialogs import prompt
from ui.dialogs.settings import SettingsDialog
from ui.main_window import MainWindow

make_app()  # the timers below need the application
prompt.pick_folder = lambda *args, **kwargs: sys.argv[2]

def windows(kind=MainWindow):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

def poll(ready, then):
    timer = QTimer()
    def tick():
        if ready():
            timer.stop()
            then()
    timer.timeout.connect(tick)
    timer.start(100)
    return timer

def switched():
    return [w.ctx.lib.root.name for w in windows()] == ["second"]

def switch():
    timers.append(poll(switched, lambda: QApplication.instance().exit(7)))
    if sys.argv[3] == "dialog":  # Settings -> Open library..., from inside the modal dialog
        timers.append(poll(lambda: bool(windows(SettingsDialog)), lambda: windows(SettingsDialog)[0]._switch()))
        windows()[0].open_settings()
    else:  # what Move library... does once the copy is done
        windows()[0].switch_library.emit(sys.argv[2])

timers = [poll(lambda: bool(windows()), switch)]
QTimer.singleShot(40_000, lambda: QApplication.instance().exit(3))  # never switched
sys.exit(main(["--library", sys.argv[1], "--no-sync"]))
"""


@pytest.mark.parametrize("how", ["signal", "dialog"])
def test_switching_library_opens_the_other_one_and_keeps_the_app_running(tmp_path: Path, how: str) -> None:
    # The old window closes and the app must go on with a window on the other library (exit
    # code 7 once it shows), not quit with 0.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    first, second = tmp_path / "first", tmp_path / "second"
    res = subprocess.run(
        [sys.executable, "-c", _SWITCH, str(first), str(second), how],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 7, res.stderr
