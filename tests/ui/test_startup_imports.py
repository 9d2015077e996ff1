"""The window shows its rows before it loads the ORM or the HTTP stack (issue 16: cold start),
and loads them on a worker right after, so that no first save imports on the GUI thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from readinglist.services.library import Library

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys, threading, time
import ui.main_window
from PySide6.QtCore import QTimer
from ui.app import apply_appearance, build_context, make_app, open_window
from ui.settings import Settings
from readinglist.services.library import Library

HEAVY = ("sqlalchemy", "requests", "alembic")
loads = []
ui.main_window.load_deferred = lambda: loads.append(threading.current_thread().name)  # held back
app = make_app()
settings = Settings(sys.argv[2])
apply_appearance(settings, "light")
win = open_window(build_context(Library.open(sys.argv[1]), settings), sync=False)

def ready():
    print("rows", win.papers.rowCount(), "details", win.details.row is not None)
    print("at ready:", *sorted(m for m in HEAVY if m in sys.modules))
    from readinglist.lazy import load_deferred
    load_deferred()
    print("after load_deferred:", *sorted(m for m in HEAVY if m in sys.modules))
    deadline = time.monotonic() + 20

    def asked():  # the window asks a moment after ready, on a worker
        if loads or time.monotonic() > deadline:
            print("asked on:", *loads)
            app.exit(0)
        else:
            QTimer.singleShot(50, asked)

    asked()

win.ready.connect(ready)
app.exec()
"""


def test_the_window_is_ready_before_it_loads_the_orm_and_loads_it_after(
    demo_lib: Library, tmp_path: Path
) -> None:
    root = demo_lib.root
    demo_lib.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(tmp_path / "ui.ini")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert (
        lines[0].startswith("rows ") and int(lines[0].split()[1]) > 0 and lines[0].endswith("details True")
    ), lines
    assert lines[1] == "at ready:", lines  # rows and details shown, none of the heavy modules loaded
    assert {"sqlalchemy", "requests"} <= set(lines[2].split()[2:]), lines  # what load_deferred brings
    asked = lines[3].split()[2:]
    assert len(asked) == 1 and asked[0] != "MainThread", lines  # once, on a worker
