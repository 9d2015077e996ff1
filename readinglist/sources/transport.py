"""Below :mod:`readinglist.sources.http`: an overall deadline per request, and what a failed
connection means.

A read timeout restarts with every byte, so a server trickling one byte every few seconds (or
sending headers without end) would keep a request alive forever. Every connection our sessions
open registers its socket with the thread's current :class:`Deadline`; when the deadline passes,
one watchdog thread shuts those sockets down, the blocked read returns at once, and the caller
reports it. The watchdog is shared: a thread started per deadline (three per request) cost a sync
of hundreds of days a thread start, and a hand-over of the interpreter lock, every few
milliseconds.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import os
import socket
import threading
import time
from types import TracebackType

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()


class Deadline:
    """``with Deadline(seconds):`` — sockets used inside are shut down when time is up. Each
    deadline is entered once (:meth:`restart` makes the next)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.ended = False  # left in time, or fired
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._outer: Deadline | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        _watchdog.add(self, time.monotonic() + self.seconds)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _watchdog.leave(self)
        _local.deadline = self._outer

    def restart(self, seconds: float) -> Deadline:
        """A new deadline over the same sockets (to enter next): the body of a response gets its own."""
        fresh = Deadline(seconds)
        fresh._sockets = list(self._sockets)
        return fresh

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down when this deadline (or any enclosing one) passes."""
        if sock is None:
            return
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)
        if self._outer is not None:
            self._outer.watch(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


class _Watchdog:
    """One daemon thread that fires the process's deadlines as they fall due, started on first
    use (and again in a forked child, which has no threads but the one that forked)."""

    def __init__(self) -> None:
        self._wake = threading.Condition(threading.Lock())
        self._due: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()  # ties never compare deadlines
        self._left = 0  # entries of deadlines left in time, still in the heap
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline, due: float) -> None:
        with self._wake:
            heapq.heappush(self._due, (due, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="readinglist-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is deadline:
                self._wake.notify()  # the earliest now: the watchdog would sleep past it

    def leave(self, deadline: Deadline) -> None:
        """``deadline`` was left in time: it must not fire. Its entry stays in the heap until it
        falls due, unless such entries become most of the heap (each request leaves three
        that fall due only minutes later)."""
        with self._wake:
            if deadline.ended:
                return  # fired already
            deadline.ended = True
            self._left += 1
            if self._left > 64 and 2 * self._left > len(self._due):
                self._due = [entry for entry in self._due if not entry[2].ended]
                heapq.heapify(self._due)
                self._left = 0

    def pending(self) -> int:
        """Deadlines neither left nor fired."""
        with self._wake:
            return len(self._due) - self._left

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    while self._due and self._due[0][2].ended:
                        heapq.heappop(self._due)
                        self._left -= 1
                    if not self._due:
                        self._wake.wait()
                        continue
                    wait = self._due[0][0] - time.monotonic()
                    if wait <= 0:
                        break
                    self._wake.wait(wait)
                deadline = heapq.heappop(self._due)[2]
                deadline.ended = True
            deadline._fire()  # outside the lock: shutting a socket down may block a moment


_watchdog = _Watchdog()


def _after_fork() -> None:
    global _watchdog
    _watchdog = _Watchdog()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watch(sock: socket.socket | None) -> None:
    deadline: Deadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: object, **kwargs: object) -> None:
        super().request(*args, **kwargs)  # type: ignore[arg-type]
        _watch(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: object, **kwargs: object) -> None:
        super().request(*args, **kwargs)  # type: ignore[arg-type]
        _watch(self.sock)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _SecurePool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections answer to the thread's :class:`Deadline`."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _SecurePool}


def mount(session: requests.Session) -> None:
    adapter = WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)


def error_chain(exc: BaseException) -> list[BaseException]:
    """Every exception linked to ``exc``: requests wraps urllib3's errors, which wrap the socket
    error, through ``args``, ``reason`` and exception chaining; any link may hold the cause."""
    seen: set[int] = set()
    out: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        out.append(e)
        todo.extend([*e.args, getattr(e, "reason", None), e.__cause__, e.__context__])
    return out


def not_http(exc: BaseException) -> str | None:
    """When a failure means the server answered, but not in HTTP: a few words on what it sent."""
    for e in error_chain(exc):
        if isinstance(e, http.client.RemoteDisconnected):
            return None  # closed without a word: that is no answer, not a wrong one
        if isinstance(e, http.client.BadStatusLine):
            line = str(e.args[0] if e.args else "")[:40]
            return (
                f"it answered {line!r} instead of an HTTP status line" if line else "its answer was not HTTP"
            )
        if isinstance(e, http.client.LineTooLong):
            return "it sent a header line longer than HTTP allows"
        if isinstance(e, http.client.HTTPException) and "headers" in str(e):
            return f"it sent {e}"
    return None
