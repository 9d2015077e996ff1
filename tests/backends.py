"""Test back ends: SQLite always, PostgreSQL when ``READINGLIST_TEST_DATABASE_URL`` names a
server (``.ci/postgres.sh run -- ...`` starts a throwaway one). Each PostgreSQL test gets a
database of its own, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

TEST_URL_ENV = "READINGLIST_TEST_DATABASE_URL"


def server_url() -> str | None:
    return os.environ.get(TEST_URL_ENV) or None


def _admin(url: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def fresh_database() -> Iterator[str]:
    """A new, empty database on the test server; dropped when the test ends."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    url = server_url()
    if url is None:
        pytest.skip(f"PostgreSQL tests need a server: set {TEST_URL_ENV} (see .ci/postgres.sh)")
    name = "rl_" + uuid.uuid4().hex[:12]
    admin = _admin(url)
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
