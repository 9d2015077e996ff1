"""Operations on reading lists: create, rename, delete, add and remove papers, reorder.

Adding a paper to a list keeps it (saves it). Reordering reads and writes under the write lock,
so two reorders at once cannot interleave.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select, text, update

from readinglist.db.schema import ListItem, ReadingList
from readinglist.errors import NotFoundError, ReadingListError
from readinglist.records import Changes
from readinglist.services.library import Library
from readinglist.services.papers import check_papers, describe, keep
from readinglist.services.unit import Transaction


def _list(tx: Transaction, name: str) -> ReadingList:
    rl = tx.session.execute(select(ReadingList).where(ReadingList.name == name)).scalar_one_or_none()
    if rl is None:
        raise NotFoundError(f"no reading list named {name!r}")
    return rl


def create(lib: Library, name: str) -> Changes:
    name = name.strip()
    if not name:
        raise ReadingListError("a reading list needs a name")
    with lib.change(f"Create list {name}") as tx:
        s = tx.session
        if s.execute(select(ReadingList).where(ReadingList.name == name)).scalar_one_or_none():
            raise ReadingListError(f"a reading list named {name!r} already exists")
        pos = s.execute(select(func.coalesce(func.max(ReadingList.position), -1))).scalar_one() + 1
        rl = ReadingList(name=name, position=pos)
        s.add(rl)
        s.flush()
        tx.created("reading_lists", [rl.id])
        tx.touched(lists=True)
    return tx.changes


def rename(lib: Library, old: str, new: str) -> Changes:
    new = new.strip()
    if not new:
        raise ReadingListError("a reading list needs a name")
    with lib.change(f"Rename list {old} to {new}") as tx:
        rl = _list(tx, old)
        if (
            new.casefold() != old.casefold()
            and tx.session.execute(select(ReadingList.id).where(ReadingList.name == new)).first()
        ):
            raise ReadingListError(f"a reading list named {new!r} already exists")
        tx.capture("reading_lists", [rl.id])
        rl.name = new
        tx.touched(lists=True)
    return tx.changes


def delete(lib: Library, name: str) -> Changes:
    with lib.change(f"Delete list {name}") as tx:
        rl = _list(tx, name)
        tx.capture("reading_lists", [rl.id])
        tx.capture("list_items", [rl.id], by="list_id")
        tx.session.execute(sql_delete(ListItem).where(ListItem.list_id == rl.id))
        tx.session.delete(rl)
        tx.touched(lists=True)
    return tx.changes


def add(lib: Library, name: str, ids: Sequence[int]) -> Changes:
    with lib.change(f"Add to list {name}") as tx:
        ids = check_papers(tx, ids)
        rl = _list(tx, name)
        tx.relabel(f"Add {describe(tx, ids)} to list {rl.name}")
        tx.capture("list_items", [rl.id], by="list_id")
        keep(tx, ids)
        pos = tx.session.execute(
            select(func.coalesce(func.max(ListItem.position), -1)).where(ListItem.list_id == rl.id)
        ).scalar_one()
        for pid in ids:
            pos += 1
            tx.session.execute(
                text(
                    "INSERT INTO list_items(list_id, paper_id, position) VALUES (:l, :p, :n) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"l": rl.id, "p": pid, "n": pos},
            )
        tx.touched(papers=ids, lists=True)
    return tx.changes


def remove(lib: Library, name: str, ids: Sequence[int]) -> Changes:
    with lib.change(f"Remove from list {name}") as tx:
        rl = _list(tx, name)
        ids = [int(i) for i in ids]
        tx.relabel(f"Remove {describe(tx, ids)} from list {rl.name}")
        tx.capture("list_items", [rl.id], by="list_id")
        tx.session.execute(sql_delete(ListItem).where(ListItem.list_id == rl.id, ListItem.paper_id.in_(ids)))
        tx.touched(papers=ids, lists=True)
    return tx.changes


def reorder(lib: Library, name: str, ordered_ids: Sequence[int]) -> Changes:
    """Set the order of a reading list; ids not given keep their relative order after these."""
    with lib.change(f"Reorder list {name}") as tx:
        rl = _list(tx, name)
        tx.capture("list_items", [rl.id], by="list_id")
        current = list(
            tx.session.execute(
                select(ListItem.paper_id).where(ListItem.list_id == rl.id).order_by(ListItem.position)
            ).scalars()
        )
        present = set(current)
        wanted = list(dict.fromkeys(i for i in ordered_ids if i in present))
        order = wanted + [i for i in current if i not in set(wanted)]
        for pos, pid in enumerate(order):
            tx.session.execute(
                update(ListItem)
                .where(ListItem.list_id == rl.id, ListItem.paper_id == pid)
                .values(position=pos)
            )
        tx.touched(lists=True)
    return tx.changes


def reorder_lists(lib: Library, names: Sequence[str]) -> Changes:
    with lib.change("Reorder lists") as tx:
        ids = list(tx.session.execute(select(ReadingList.id)).scalars())
        tx.capture("reading_lists", ids)
        for pos, name in enumerate(names):
            tx.session.execute(update(ReadingList).where(ReadingList.name == name).values(position=pos))
        tx.touched(lists=True)
    return tx.changes
