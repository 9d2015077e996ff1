"""Before Qt starts: no display, or a library the xcb plugin needs is missing, gives exit 1 and one
message naming every package to install, never Qt's abort (exit 134)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui import preflight

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from readinglist.cli.main import main; sys.exit(main())"


def _bare_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


def test_no_display_is_reported_before_qt() -> None:
    msg = preflight.problem({})
    assert msg is not None and "DISPLAY" in msg and "--screenshot" in msg and "offscreen" in msg


def test_xcb_without_display_is_reported() -> None:
    msg = preflight.problem({"QT_QPA_PLATFORM": "xcb"})
    assert msg is not None and "needs a display" in msg and "offscreen" in msg


def test_offscreen_needs_no_display_and_finds_its_libraries() -> None:
    # The offscreen plugin is real and complete here: nothing is reported.
    assert preflight.problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_every_missing_xcb_library_is_named_as_a_package(tmp_path: Path) -> None:
    seen: list[Path] = []

    def two_missing(plugin: Path) -> list[str]:
        seen.append(plugin)
        return ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo.so.9"]

    env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": "remote.host:0"}  # a remote X server: not probed
    msg = preflight.problem(env, find_missing=two_missing, qt=preflight.qt_dir())
    assert seen and seen[0].name == "libqxcb.so"
    assert msg is not None
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in msg
    assert "libfoo.so.9" in msg


def test_ldd_output_is_parsed_for_every_missing_library() -> None:
    text = (
        "\tlibQt6XcbQpa.so.6 => /x/libQt6XcbQpa.so.6 (0x1)\n"
        "\tlibxcb-cursor.so.0 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-cursor.so.0 => not found\n"
    )
    assert preflight.parse_ldd(text) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]
    assert preflight.packages_for(
        ["libxcb-icccm.so.4", "libGL.so.1", "libgthread-2.0.so.0", "libglib-2.0.so.0"]
    ) == (
        ["libxcb-icccm4", "libgl1", "libglib2.0-0"],
        [],
    )


def test_the_real_xcb_plugin_is_checked_with_ldd() -> None:
    plugin = preflight.plugin_path("xcb")
    assert plugin is not None
    # This machine has the xcb libraries installed, so the real check finds none missing.
    assert preflight.missing_libraries(plugin) == []


def test_gui_without_a_display_exits_1_with_a_message(tmp_path: Path) -> None:
    env = _bare_env(READINGLIST_HOME=str(tmp_path / "lib"))
    res = subprocess.run(
        [sys.executable, "-c", CLI, "gui"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert "no display" in res.stderr and res.stderr.count("error:") == 1


def test_a_dead_x_display_exits_1_not_134(tmp_path: Path) -> None:
    env = _bare_env(DISPLAY=":87", READINGLIST_HOME=str(tmp_path / "lib"))
    res = subprocess.run(
        [sys.executable, "-c", CLI, "gui"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert "DISPLAY=:87" in res.stderr


def test_a_screenshot_without_a_display_renders_offscreen(tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    env = _bare_env()
    res = subprocess.run(
        [sys.executable, "-c", CLI, "gui", "--demo", "--screenshot", str(png), "--size", "800x600"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert res.returncode == 0, res.stderr
    assert png.stat().st_size > 1000
