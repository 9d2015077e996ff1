"""The window shows its rows before it loads the ORM or the HTTP stack (issue 16: cold start),
and they load on workers after it, never on the GUI thread: a first use there would freeze
the window for a few hundred milliseconds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from readinglist.services.library import Library
from tests.ui.conftest import DEAD

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys, threading
from PySide6.QtCore import QTimer
from ui.app import apply_appearance, build_context, make_app, open_window
from ui.settings import Settings
from readinglist.services.library import Library

HEAVY = ("sqlalchemy", "requests", "alembic")
first = {}  # a heavy package -> the thread that imported it first


class Spy:  # sees every import the machinery looks up, finds nothing itself
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in HEAVY and top not in first:
            first[top] = threading.current_thread().name
        return None


sys.meta_path.insert(0, Spy())
app = make_app()
settings = Settings(sys.argv[2])
apply_appearance(settings, "light")
win = open_window(build_context(Library.open(sys.argv[1]), settings), sync=sys.argv[4] == "sync")


def ready():
    print("rows", win.papers.rowCount(), "details", win.details.row is not None)
    print("at ready:", *sorted(first))
    QTimer.singleShot(int(float(sys.argv[3]) * 1000), after)  # For you asks, the services load


def after():
    print("after:", *sorted(f"{m}={t}" for m, t in first.items()), flush=True)
    win.close()  # as the app quits: the sync in flight is stopped and the workers drained
    app.exit(0)


win.ready.connect(ready)
app.exec()
"""


@pytest.mark.parametrize("sync", ["no sync", "sync"])
def test_the_window_is_ready_before_it_loads_the_orm_and_never_loads_it_on_the_gui_thread(
    demo_lib: Library, tmp_path: Path, sync: str
) -> None:
    """With sync on start (to a dead server, as offline): the sync begins once the first rows
    are shown, and its worker imports SQLAlchemy while the window's other workers read. Those
    reads once mistook the half-imported module for a loaded one; the timing is rarely hit on
    this small library, so tests/core/test_raw_reader.py builds that state itself. Here: ready
    with nothing heavy loaded, and nothing heavy imported on the GUI thread after it."""
    from ui.main_window import LOAD_DEFERRED_MS
    from ui.views.for_you import ForYou

    root = demo_lib.root
    demo_lib.close()
    wait_s = (max(LOAD_DEFERRED_MS, ForYou.DELAY_MS) + 2000) / 1000
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "HF_ENDPOINT": DEAD,
           "READINGLIST_ARXIV_ENDPOINT": DEAD, "READINGLIST_ARXIV_API": DEAD + "/api/query"}  # fmt: skip
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(tmp_path / "ui.ini"), str(wait_s), sync],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows, at_ready, after = res.stdout.splitlines()[:3]
    assert rows.startswith("rows ") and int(rows.split()[1]) > 0 and rows.endswith("details True"), rows
    assert at_ready == "at ready:", at_ready  # rows and details shown, no heavy package loaded
    loaded = dict(item.split("=") for item in after.split()[1:])
    assert {"sqlalchemy", "requests"} <= loaded.keys(), after  # the services did load, after
    assert "MainThread" not in loaded.values(), after  # on workers
