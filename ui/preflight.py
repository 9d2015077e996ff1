"""Before Qt starts: is there a display, and does Qt's platform plugin find every library it needs?

Without a display, or with a library the xcb plugin links against missing, Qt aborts the
process (exit 134) and names only the first missing library. :func:`problem` finds all of
them first (with ``ldd`` on the plugin, else by trying to load each one) and says, in one
message, which Debian packages to install. This module imports nothing from Qt.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.util import find_spec
from pathlib import Path

# Shared libraries Qt's plugins (and QtGui/QtWidgets under them) link against, and the Debian
# package that ships each one.
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libpng16.so.16": "libpng16-16",
    "libexpat.so.1": "libexpat1",
    "libzstd.so.1": "libzstd1",
    "libz.so.1": "zlib1g",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

_PLUGIN_FILES = {"xcb": "libqxcb.so", "wayland": "libqwayland.so", "offscreen": "libqoffscreen.so"}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)

NO_DISPLAY = (
    "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset). Start it from a "
    "desktop session (or `ssh -X`), or render without a screen: "
    "`readinglist gui --screenshot FILE`, or QT_QPA_PLATFORM=offscreen."
)


def platform_name(env: Mapping[str, str]) -> str | None:
    """The platform plugin Qt will load, or None when there is nothing to show a window on."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if env.get("DISPLAY"):
        return "xcb"
    if env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return None


def qt_dir() -> Path | None:
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def plugin_path(platform: str, qt: Path | None = None) -> Path | None:
    base = qt or qt_dir()
    name = _PLUGIN_FILES.get(platform)
    if base is None or name is None:
        return None
    path = base / "plugins" / "platforms" / name
    return path if path.exists() else None


def parse_ldd(text: str) -> list[str]:
    """The sonames ``ldd`` reports as "not found", in its order, without repeats."""
    return list(dict.fromkeys(_NOT_FOUND.findall(text)))


def missing_libraries(plugin: Path) -> list[str]:
    """Libraries ``plugin`` (or QtWidgets, under every plugin) needs that the loader cannot find."""
    targets = [str(plugin)]
    widgets = plugin.parent.parent.parent / "lib" / "libQt6Widgets.so.6"
    if widgets.exists():
        targets.append(str(widgets))
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run([ldd, *targets], capture_output=True, text=True, timeout=20)
            return parse_ldd(out.stdout + out.stderr)
        except (OSError, subprocess.SubprocessError):
            pass
    missing = []
    for soname in DEBIAN_PACKAGES:  # no ldd: try loading each library Qt is known to need
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def packages_for(sonames: Sequence[str]) -> tuple[list[str], list[str]]:
    """(Debian packages to install, sonames no known package ships), each without repeats."""
    packages = dict.fromkeys(DEBIAN_PACKAGES[s] for s in sonames if s in DEBIAN_PACKAGES)
    unknown = [s for s in sonames if s not in DEBIAN_PACKAGES]
    return list(packages), unknown


def missing_message(platform: str, sonames: Sequence[str]) -> str:
    packages, unknown = packages_for(sonames)
    parts = [f"Qt's {platform} platform needs libraries this system lacks ({', '.join(sonames)})."]
    if packages:
        parts.append(f"Install them with: sudo apt-get install {' '.join(packages)}")
    if unknown:
        parts.append(f"Also install the packages that provide {', '.join(unknown)}.")
    parts.append("Without a screen, QT_QPA_PLATFORM=offscreen or `readinglist gui --screenshot FILE` work.")
    return " ".join(parts)


def x_server_reachable(display: str) -> bool:
    """False only when DISPLAY names a local X server whose socket is certainly not there."""
    m = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display.strip())
    if not m:
        return True  # remote or unusual forms: let Qt try
    path = f"/tmp/.X11-unix/X{m.group(1)}"
    for address in ("\0" + path, path):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            try:
                s.connect(address)
                return True
            except OSError:
                continue
    return False


def problem(
    env: Mapping[str, str] | None = None,
    *,
    find_missing: Callable[[Path], list[str]] = missing_libraries,
    qt: Path | None = None,
) -> str | None:
    """Why Qt would abort if started now, in one message, or None when it can start."""
    env = os.environ if env is None else env
    platform = platform_name(env)
    if platform is None:
        return NO_DISPLAY
    if (platform == "xcb" and not env.get("DISPLAY")) or (
        platform == "wayland" and not env.get("WAYLAND_DISPLAY")
    ):
        return f"QT_QPA_PLATFORM={platform} needs a display, and none is set. " + NO_DISPLAY.split(". ", 1)[1]
    if platform == "xcb" and not x_server_reachable(env["DISPLAY"]):
        return (
            f"no X server answers on DISPLAY={env['DISPLAY']}. Start one, or render without a "
            "screen: `readinglist gui --screenshot FILE`, or QT_QPA_PLATFORM=offscreen."
        )
    plugin = plugin_path(platform, qt)
    if plugin is None:
        return None  # a platform we do not know how to check: Qt reports its own errors
    missing = find_missing(plugin)
    return missing_message(platform, missing) if missing else None


def qt_installed() -> bool:
    """PySide6 can be imported (a CLI-only install has no ``gui`` extra)."""
    try:
        return find_spec("PySide6") is not None
    except (ImportError, ValueError):
        return False


def check_or_exit(argv: Sequence[str] = ()) -> None:
    """Exit 1 with a message instead of letting Qt abort. ``--screenshot`` without a display
    renders offscreen."""
    if not qt_installed():
        print(
            "error: the desktop app cannot start: Qt (PySide6) is not installed; "
            "install it with: pip install 'readinglist[gui]'",
            file=sys.stderr,
        )
        raise SystemExit(1)
    screenshot = any(a == "--screenshot" or a.startswith("--screenshot=") for a in argv)
    if screenshot and platform_name(os.environ) is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    message = problem()
    if message:
        print(f"error: the desktop app cannot start: {message}", file=sys.stderr)
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> int:
    """Entry point that checks before importing anything from Qt, then starts the app."""
    args = sys.argv[1:] if argv is None else argv
    check_or_exit(args)
    from ui.app import main as app_main

    return app_main(args)
