"""The background-task primitive: results on the GUI thread, and no stray errors at shutdown."""

from __future__ import annotations

import threading

import shiboken6

from readinglist.errors import Cancelled
from readinglist.records import Progress
from ui.tasks import Lane, TaskContext, Tasks


def test_result_and_error_arrive_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    tasks = Tasks()
    got: list[object] = []
    gui = threading.get_ident()
    tasks.run(lambda: threading.get_ident(), on_done=got.append)
    tasks.run(lambda: 1 / 0, on_error=got.append)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    ident = next(x for x in got if isinstance(x, int))
    assert ident != gui
    assert any(isinstance(x, ZeroDivisionError) for x in got)
    tasks.wait()


def test_a_task_whose_handle_is_destroyed_stops_at_its_next_progress(qtbot, capfd) -> None:  # type: ignore[no-untyped-def]
    """At shutdown a long task can outlive its handle: it must stop quietly, not print
    'Signal source has been deleted' from a worker thread."""
    tasks = Tasks()
    started = threading.Event()
    release = threading.Event()
    outcome: list[str] = []

    def long_job(task: TaskContext) -> None:
        started.set()
        release.wait(5)
        try:
            for i in range(100):
                task.progress(Progress(i, 100, "step"))
        except Cancelled:
            outcome.append("cancelled")
            raise
        outcome.append("ran to the end")

    handle = tasks.run(long_job, context=True, lane=Lane.POOL)
    assert started.wait(5)
    shiboken6.delete(handle)  # what happens to the handle when its owner goes away first
    release.set()
    tasks.wait(msecs=5000)
    assert outcome == ["cancelled"]
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err
    assert "Traceback" not in err
