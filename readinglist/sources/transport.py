"""Below :mod:`readinglist.sources.http`: an overall deadline per request, and what a failed
connection means.

A read timeout restarts with every byte, so a server trickling one byte every few seconds (or
sending headers without end) would keep a request alive forever. Every connection our sessions
open registers its socket with the thread's current :class:`Deadline`; when the deadline passes,
a timer shuts those sockets down, the blocked read returns at once, and the caller reports it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from types import TracebackType

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()


class Deadline:
    """``with Deadline(seconds):`` — sockets used inside are shut down when time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._outer: Deadline | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
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
