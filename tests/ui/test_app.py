"""The entry point: ``readinglist gui --demo --screenshot FILE --size WxH`` renders and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
