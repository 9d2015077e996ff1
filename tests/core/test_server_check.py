"""Checking a database URL (Settings' Test connection): a sentence for what is there, and a
clear reason for a refused connection, a refused password, an unknown role or a bad URL."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.errors import StorageError
from readinglist.services.library import Library
from readinglist.services.server import check_database_url
from tests.backends import server_url


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


@pytest.fixture
def password_refusing_server() -> Iterator[int]:
    """A server speaking just enough of PostgreSQL's protocol to refuse a password the way a
    real one does (ErrorResponse 28P01 to the startup message)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                con, _ = srv.accept()
            except TimeoutError:
                continue
            with con:
                while True:  # SSL and GSS encryption requests first: say no, then the startup
                    head = con.recv(8)
                    if len(head) < 8:
                        break
                    length, code = struct.unpack("!II", head)
                    con.recv(length - 8)
                    if code in (80877103, 80877104):
                        con.sendall(b"N")
                        continue
                    fields = (
                        b"SFATAL\0VFATAL\0C28P01\0" + b'Mpassword authentication failed for user "ann"\0\0'
                    )
                    con.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)
                    break

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield int(srv.getsockname()[1])
    stop.set()
    t.join()
    srv.close()


def test_a_refused_connection_says_nothing_answers() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StorageError, match="nothing answers there: is PostgreSQL running"):
        check_database_url(f"postgresql+psycopg://ann@127.0.0.1:{_closed_port()}/lab")


def test_a_refused_password_says_so(password_refusing_server: int) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://ann:wrong@127.0.0.1:{password_refusing_server}/lab"
    with pytest.raises(StorageError) as info:
        check_database_url(url)
    said = str(info.value)
    assert "refused the password for this user" in said and "wrong" not in said  # no password shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", "SQLite file in its folder"),
        ("postgresql://ann@host/lab", "postgresql\\+psycopg://"),
        ("mysql://ann@host/lab", "not a database URL"),
        ("postgresql+psycopg://ann@host:notaport/lab", "cannot be read"),
    ],
)
def test_urls_that_lead_nowhere_are_explained(url: str, expected: str) -> None:
    if url:
        with pytest.raises(StorageError, match=expected):
            check_database_url(url)
    else:
        assert expected in check_database_url(url)


def test_a_sqlite_url_names_the_file(tmp_path: Path) -> None:
    assert "a new SQLite file" in check_database_url(f"sqlite:///{tmp_path}/x.sqlite3")
    with pytest.raises(StorageError, match="does not exist"):
        check_database_url(f"sqlite:///{tmp_path}/no/such/x.sqlite3")


@pytest.mark.backends
def test_the_real_server_answers_and_an_unknown_role_is_named(tmp_path: Path) -> None:
    if server_url() is None:
        pytest.skip("needs the PostgreSQL test server (.ci/postgres.sh run -- ...)")
    from tests.backends import fresh_database

    gen = fresh_database()
    url = next(gen)
    try:
        said = check_database_url(url)
        assert said.startswith("connected to PostgreSQL ") and "empty database" in said
        Library.open(tmp_path / "lib", database_url=url).close()
        assert "a library of 0 papers" in check_database_url(url)
        from sqlalchemy.engine import make_url

        stranger = (
            make_url(url).set(username="nobody_here", password=None).render_as_string(hide_password=False)
        )
        with pytest.raises(StorageError, match='role "nobody_here" does not exist'):
            check_database_url(stranger)
    finally:
        for _ in gen:
            pass
