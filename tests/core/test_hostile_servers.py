"""Servers that misbehave on purpose, on real sockets: trickling, endless headers, not HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from readinglist.errors import NetworkError
from readinglist.sources.http import Http, HttpPolicy

Behaviour = Callable[[socket.socket], None]


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], str]]:
    """Start a one-behaviour TCP server on 127.0.0.1; returns its URL."""
    servers: list[socket.socket] = []
    stop = threading.Event()

    def start(behaviour: Behaviour) -> str:
        srv = socket.create_server(("127.0.0.1", 0))
        srv.settimeout(0.2)
        servers.append(srv)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = srv.accept()
                except OSError:
                    continue
                threading.Thread(target=_run, args=(behaviour, conn), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{srv.getsockname()[1]}/feed"

    def _run(behaviour: Behaviour, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            behaviour(conn)
        except OSError:
            pass
        finally:
            conn.close()

    yield start
    stop.set()
    for srv in servers:
        srv.close()


def _trickle(data: bytes, every: float = 0.2, forever: bytes = b"") -> Behaviour:
    def run(conn: socket.socket) -> None:
        for i in range(len(data)):
            conn.sendall(data[i : i + 1])
            time.sleep(every)
        while forever:
            conn.sendall(forever)
            time.sleep(every)

    return run


def _http(**kw: float) -> Http:
    return Http(HttpPolicy(connect_timeout=2, read_timeout=1, retries=2, backoff=0.01, deadline=2, **kw))  # type: ignore[arg-type]


def test_a_server_trickling_its_status_line_is_given_up_at_the_deadline(hostile) -> None:  # type: ignore[no-untyped-def]
    url = hostile(_trickle(b"HTTP/1.1 200 OK\r\n" * 10))
    start = time.monotonic()
    with pytest.raises(NetworkError, match=r"did not finish answering within 2 s"):
        _http().get_bytes(url, what="the feed")
    assert time.monotonic() - start < 5


def test_endless_headers_are_given_up_at_the_deadline(hostile) -> None:  # type: ignore[no-untyped-def]
    url = hostile(_trickle(b"HTTP/1.1 200 OK\r\n", every=0.05, forever=b"X: y\r\n"))
    start = time.monotonic()
    with pytest.raises(NetworkError) as err:
        _http().get_bytes(url, what="the feed")
    assert time.monotonic() - start < 5
    assert "within 2 s" in str(err.value) or "did not speak HTTP" in str(err.value)


def test_a_body_trickling_without_end_is_given_up(hostile) -> None:  # type: ignore[no-untyped-def]
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"

    def run(conn: socket.socket) -> None:
        conn.sendall(head)
        while True:
            conn.sendall(b" ")
            time.sleep(0.2)

    url = hostile(run)
    start = time.monotonic()
    with pytest.raises(NetworkError, match="within 2 s"):
        _http().get_bytes(url, what="the feed")
    assert time.monotonic() - start < 5


def test_garbage_is_not_called_offline(hostile) -> None:  # type: ignore[no-untyped-def]
    url = hostile(lambda conn: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n"))
    with pytest.raises(NetworkError) as err:
        _http().get_bytes(url, what="huggingface.co")
    text = str(err.value)
    assert "the server at huggingface.co did not speak HTTP" in text
    assert "offline" not in text


def test_retry_after_is_capped_said_and_total_waiting_bounded(hostile) -> None:  # type: ignore[no-untyped-def]
    answer = b"HTTP/1.1 503 Busy\r\nRetry-After: 999999\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    url = hostile(lambda conn: conn.sendall(answer))
    waits: list[float] = []
    http = Http(HttpPolicy(retries=3, max_retry_after=60, max_total_wait=130, deadline=5), sleep=waits.append)
    said: list[str] = []
    http.on_wait = said.append
    with pytest.raises(NetworkError, match="503"):
        http.get_bytes(url, what="huggingface.co")
    assert sum(waits) == pytest.approx(120)  # two waits of 60 s; a third would pass the 130 s cap
    assert len(said) == 2
    assert "waiting 60 s (it asked for 999999 s) before try 2 of 4" in said[0]
