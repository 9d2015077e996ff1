"""Each member's own triage on a lab library (PostgreSQL): the ``papers`` view and its triggers.

Migration 0014_members splits ``papers`` into ``papers_shared`` (what the lab shares) and
``member_papers`` (saved, dismissed, starred, status and rating, per member and paper). The
core keeps reading and writing ``papers``: a view joining the two for the session's member
(``rl_member()``, which ``db/pg.py`` sets at the start of every transaction), whose INSTEAD OF
triggers send each column where it lives. A member without a row for a paper sees the defaults.

:func:`rebuild` derives the view and the triggers from the columns the two tables have, so a
later migration that changes ``papers_shared`` or ``member_papers`` calls it and nothing else.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

MEMBER_SETTING = "readinglist.member"
KEYS = ("member", "paper_id")
# The shared column every write stamps; a member's triage write changing only it is personal.
TOUCHED = "modified_at"


def _columns(bind: Connection, table: str) -> list[tuple[str, str | None]]:
    """(name, default expression) of ``table``'s columns, in order."""
    rows = bind.execute(
        text(
            "SELECT column_name, column_default FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
        ),
        {"t": table},
    ).all()
    return [(str(name), None if default is None else str(default)) for name, default in rows]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rebuild(bind: Connection) -> None:
    """(Re)create the ``papers`` view over ``papers_shared`` and ``member_papers``, its column
    defaults and its INSTEAD OF triggers."""
    shared = _columns(bind, "papers_shared")
    personal = [(n, d) for n, d in _columns(bind, "member_papers") if n not in KEYS]
    if not shared or not personal:
        raise RuntimeError("papers_shared and member_papers must exist before the papers view")
    names = [n for n, _ in shared]
    mine = [n for n, _ in personal]
    bind.execute(text("DROP VIEW IF EXISTS papers"))
    select_list = [f"p.{_q(n)}" for n in names] + [
        f"COALESCE(m.{_q(n)}, {d}) AS {_q(n)}" if d is not None else f"m.{_q(n)}" for n, d in personal
    ]
    bind.execute(
        text(
            f"CREATE VIEW papers AS SELECT {', '.join(select_list)} FROM papers_shared p "
            "LEFT JOIN member_papers m ON m.paper_id = p.id AND m.member = rl_member()"
        )
    )
    # What an INSERT leaves out gets the tables' defaults (the id from papers_shared's sequence).
    for name, default in (*shared, *personal):
        if default is not None:
            bind.execute(text(f"ALTER VIEW papers ALTER COLUMN {_q(name)} SET DEFAULT {default}"))

    cols = ", ".join(_q(n) for n in names)
    new_shared = ", ".join(f"NEW.{_q(n)}" for n in names)
    new_mine = ", ".join(f"NEW.{_q(n)}" for n in mine)
    old_mine = ", ".join(f"OLD.{_q(n)}" for n in mine)
    old_shared = ", ".join(f"OLD.{_q(n)}" for n in names)
    content = [n for n in names if n != TOUCHED] or names
    new_content = ", ".join(f"NEW.{_q(n)}" for n in content)
    old_content = ", ".join(f"OLD.{_q(n)}" for n in content)
    set_shared = ", ".join(f"{_q(n)} = NEW.{_q(n)}" for n in names if n != "id")
    set_mine = ", ".join(f"{_q(n)} = EXCLUDED.{_q(n)}" for n in mine)
    defaults_mine = ", ".join(d or "NULL" for _, d in personal)
    upsert_mine = (
        f"INSERT INTO member_papers (member, paper_id, {', '.join(_q(n) for n in mine)}) "
        f"VALUES (rl_member(), NEW.id, {new_mine}) "
        f"ON CONFLICT (member, paper_id) DO UPDATE SET {set_mine};"
    )
    bind.execute(
        text(
            f"""CREATE OR REPLACE FUNCTION rl_papers_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                DELETE FROM papers_shared WHERE id = OLD.id;
                RETURN OLD;
              END IF;
              IF TG_OP = 'INSERT' THEN
                INSERT INTO papers_shared ({cols}) VALUES ({new_shared}) RETURNING id INTO NEW.id;
                IF ROW({new_mine}) IS DISTINCT FROM ROW({defaults_mine}) THEN
                  {upsert_mine}
                END IF;
                RETURN NEW;
              END IF;
              -- UPDATE: each table only when one of its columns changed, so a member's triage
              -- neither touches the shared row (its export entries, its version) nor the reverse.
              -- A triage write also stamps modified_at: that alone leaves the shared row be.
              IF ROW({new_content}) IS DISTINCT FROM ROW({old_content})
                 OR (ROW({new_shared}) IS DISTINCT FROM ROW({old_shared})
                     AND ROW({new_mine}) IS NOT DISTINCT FROM ROW({old_mine})) THEN
                UPDATE papers_shared SET {set_shared} WHERE id = OLD.id;
              END IF;
              IF ROW({new_mine}) IS DISTINCT FROM ROW({old_mine}) THEN
                {upsert_mine}
              END IF;
              RETURN NEW;
            END $$"""
        )
    )
    bind.execute(
        text(
            "CREATE TRIGGER papers_write INSTEAD OF INSERT OR UPDATE OR DELETE ON papers "
            "FOR EACH ROW EXECUTE FUNCTION rl_papers_write()"
        )
    )
