"""Live updates between members of a library on a server (PostgreSQL).

Every committed change is written to ``change_log`` in its own transaction (a sequence number,
the member, the :class:`Changes` as JSON) with a ``NOTIFY`` that PostgreSQL delivers at commit.
The notification is only a wake-up: a :class:`Subscriber` reads the log past the last sequence
number it saw, so nothing is missed across a dropped connection (it reconnects and reads on),
and it polls once a second even without a wake-up. It hands each change made by another
session to the library's listeners: the same :class:`Changes` the views already refresh from.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from readinglist.records import Changes

if TYPE_CHECKING:
    from readinglist.services.library import Library

log = logging.getLogger(__name__)

CHANNEL = "readinglist_changes"
POLL_SECONDS = 1.0
KEEP_DAYS = 7


def encode(changes: Changes, origin: str) -> str:
    return json.dumps(
        {
            "origin": origin,
            "papers": sorted(changes.papers),
            "tags": changes.tags,
            "lists": changes.lists,
            "feed": changes.feed,
            "searches": changes.searches,
            "annotations": sorted(changes.annotations),
            "settings": sorted(changes.settings),
        }
    )


def decode(payload: str) -> tuple[str, Changes]:
    d = json.loads(payload)
    # Undo history is each member's own: another session's history never moved ours.
    return str(d.get("origin", "")), Changes(
        papers=frozenset(int(p) for p in d.get("papers", ())),
        tags=bool(d.get("tags")),
        lists=bool(d.get("lists")),
        feed=bool(d.get("feed")),
        searches=bool(d.get("searches")),
        annotations=frozenset(int(p) for p in d.get("annotations", ())),
        settings=frozenset(str(k) for k in d.get("settings", ())),
    )


def publish(session: Session, member: str, origin: str, changes: Changes) -> None:
    """Log a change inside its own transaction and wake the other sessions at commit."""
    seq = session.execute(
        text("INSERT INTO change_log(member, payload, at) VALUES (:m, :p, now()) RETURNING seq"),
        {"m": member[:100], "p": encode(changes, origin)},
    ).scalar_one()
    session.execute(text("SELECT pg_notify(:c, :s)"), {"c": CHANNEL, "s": str(seq)})
    if seq % 1000 == 0:
        session.execute(text(f"DELETE FROM change_log WHERE at < now() - interval '{KEEP_DAYS} days'"))


def latest_seq(lib: Library) -> int:
    with lib.read() as s:
        return int(s.execute(text("SELECT coalesce(max(seq), 0) FROM change_log")).scalar_one())


def read_since(lib: Library, seq: int) -> list[tuple[int, str, str, Changes]]:
    """Changes logged after ``seq``: (seq, member, origin, changes), oldest first."""
    with lib.read() as s:
        rows = s.execute(
            text("SELECT seq, member, payload FROM change_log WHERE seq > :s ORDER BY seq"), {"s": seq}
        ).all()
    out = []
    for n, member, payload in rows:
        origin, changes = decode(payload)
        out.append((int(n), str(member), origin, changes))
    return out


class Subscriber:
    """Hears other sessions' changes and passes them to ``callback`` (default: the library's
    listeners, on this subscriber's thread). ``start()`` / ``stop()``."""

    def __init__(self, lib: Library, callback: Callable[[str, Changes], None] | None = None) -> None:
        if not lib.is_shared:
            raise ValueError("live updates need a library on a server (READINGLIST_DATABASE_URL)")
        self.lib = lib
        self.callback = callback
        self.seq = latest_seq(lib)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="readinglist-live", daemon=True)

    def start(self) -> Subscriber:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _deliver(self) -> None:
        origin = self.lib._uow().origin
        for seq, member, from_origin, changes in read_since(self.lib, self.seq):
            self.seq = seq
            if from_origin == origin or changes.empty:
                continue
            if self.callback is not None:
                self.callback(member, changes)
            else:
                self.lib._uow().emit(changes)

    def _run(self) -> None:
        import psycopg

        from readinglist.db.pg import CONNECT_TIMEOUT, libpq_url

        url = libpq_url(str(self.lib.database_url))
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as con:
                    con.execute(f"LISTEN {CHANNEL}")
                    self._deliver()  # whatever came while we were not listening
                    while not self._stop.is_set():
                        # A wake-up, or a second without one: read the log either way.
                        for _ in con.notifies(timeout=POLL_SECONDS, stop_after=1):
                            pass
                        self._deliver()
            except Exception as exc:  # the server went away: wait, reconnect, read on from self.seq
                log.warning("live updates: %s; reconnecting", exc)
                self._stop.wait(2.0)
