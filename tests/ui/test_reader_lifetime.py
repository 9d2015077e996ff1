"""A render finished just before its reader closed must not reach the closed (deleted) view:
delivering it raised "RuntimeError: Signal source has been deleted"."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QObject, Signal

from ui.reader.worker import PdfWorker


class Owner(QObject):
    ready = Signal(int)


def _finished_but_not_delivered(worker: PdfWorker, owner: Owner, got: list[int]) -> None:
    worker.submit(lambda: 7, owner=owner, done=lambda v: (got.append(v), owner.ready.emit(v)))
    deadline = time.monotonic() + 5
    while worker._inflight == set() and time.monotonic() < deadline:
        time.sleep(0.01)  # no event processing: the delivery stays queued
    assert worker._inflight, "the job should be done, its delivery queued"


def test_a_cancelled_owner_gets_no_late_delivery(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker, owner, got = PdfWorker(), Owner(), []
    try:
        _finished_but_not_delivered(worker, owner, got)
        worker.cancel_owner(owner)  # the reader closes
        qtbot.wait(50)
        assert got == []
    finally:
        worker.stop()


def test_a_deleted_owner_gets_no_late_delivery(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker, owner, got = PdfWorker(), Owner(), []
    try:
        _finished_but_not_delivered(worker, owner, got)
        shiboken6.delete(owner)  # the view is destroyed without a close (its parent went)
        qtbot.wait(50)  # before the fix: RuntimeError in the delivery, caught by pytest-qt
        assert got == []
    finally:
        worker.stop()


def test_a_live_owner_still_gets_its_result(qtbot) -> None:  # type: ignore[no-untyped-def]
    worker, owner, got = PdfWorker(), Owner(), []
    try:
        _finished_but_not_delivered(worker, owner, got)
        qtbot.waitUntil(lambda: got == [7], timeout=2000)
        assert not worker._inflight
    finally:
        worker.stop()
