"""Checking a database URL before the library moves there (the app's Settings, Test connection)."""

from __future__ import annotations

from pathlib import Path

from readinglist.errors import StorageError

EXAMPLE = "postgresql+psycopg://user@host/database"


def check_database_url(url: str) -> str:
    """Say in a sentence what ``url`` leads to, or raise :class:`StorageError` saying why it
    cannot be used. Connects to a server (up to a few seconds): run it off the GUI thread."""
    url = url.strip()
    if not url:
        return "no URL: the library keeps its data in the SQLite file in its folder"
    if url.startswith("sqlite:///"):
        path = Path(url.split(":///", 1)[1]).expanduser()
        if path.is_file():
            return f"a SQLite file: {path}"
        if path.parent.is_dir():
            return f"a new SQLite file, created at first use: {path}"
        raise StorageError(f"the folder {path.parent} does not exist")
    if url.startswith(("postgresql://", "postgres://")):
        raise StorageError(f"write the driver readinglist uses into the URL: {EXAMPLE}")
    if not url.startswith("postgresql+psycopg://"):
        raise StorageError(f"not a database URL readinglist knows; a lab server's looks like {EXAMPLE}")
    from readinglist.db import pg

    try:
        return pg.probe(url)
    except StorageError:
        raise
    except Exception as exc:  # a malformed URL (bad port, ...) from the URL parser
        raise StorageError(f"this URL cannot be read ({exc}); a lab server's looks like {EXAMPLE}") from exc
