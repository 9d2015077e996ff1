"""The shared deadline watchdog: one thread fires every deadline on time and none left early."""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time

from readinglist.sources import transport
from readinglist.sources.transport import Deadline


def _watchdogs() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "readinglist-deadlines"]


def test_a_deadline_shuts_its_sockets_when_it_falls_due() -> None:
    a, b = socket.socketpair()
    with a, b:
        started = time.monotonic()
        with Deadline(0.2) as deadline:
            deadline.watch(a)
            a.settimeout(5)
            data = a.recv(10)  # blocks until the watchdog shuts the socket down
        assert data == b""
        assert deadline.expired
        assert 0.15 < time.monotonic() - started < 3


def test_deadlines_left_in_time_never_fire_and_do_not_pile_up() -> None:
    before = transport._watchdog.pending()
    left = []
    for _ in range(500):
        with Deadline(0.3) as deadline:
            pass
        left.append(deadline)
    assert transport._watchdog.pending() == before
    assert len(transport._watchdog._due) < 200  # entries of left deadlines are dropped in bulk
    time.sleep(0.5)
    assert not any(d.expired for d in left)


def test_one_thread_watches_every_deadline() -> None:
    with Deadline(60):
        pass
    threads = threading.active_count()
    for _ in range(50):
        with Deadline(60), Deadline(60):
            pass
    assert len(_watchdogs()) == 1
    assert threading.active_count() == threads


def test_an_earlier_deadline_wakes_a_watchdog_waiting_for_a_later_one() -> None:
    a, b = socket.socketpair()
    with a, b, Deadline(60):
        started = time.monotonic()
        with Deadline(0.2) as inner:
            inner.watch(a)
            a.settimeout(5)
            assert a.recv(10) == b""
        assert time.monotonic() - started < 3


def test_nested_deadlines_fire_in_order_of_due() -> None:
    with Deadline(0.4) as outer, Deadline(0.1) as inner:
        time.sleep(0.25)
        assert inner.expired and not outer.expired
        time.sleep(0.4)
        assert outer.expired


def _in_child(out: multiprocessing.queues.Queue[bool]) -> None:
    with Deadline(0.1) as deadline:
        time.sleep(0.4)
    out.put(deadline.expired)


def test_a_forked_child_gets_a_watchdog_of_its_own() -> None:
    """Even when the fork lands while another thread holds the watchdog's lock (the child
    would wait for it forever: the thread that holds it does not exist there)."""
    with Deadline(60):
        ctx = multiprocessing.get_context("fork")
        out: multiprocessing.queues.Queue[bool] = ctx.Queue()
        child = ctx.Process(target=_in_child, args=(out,), daemon=True)
        with transport._watchdog._wake:
            child.start()
        try:
            assert out.get(timeout=10) is True
        finally:
            child.join(5)
            child.kill()
    assert child.exitcode == 0
