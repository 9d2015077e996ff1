"""Operations on tags themselves: colour, rename (merging into an existing tag), delete."""

from __future__ import annotations

import re

from sqlalchemy import select, text, update

from readinglist.db.schema import PaperTag, Tag
from readinglist.errors import NotFoundError, ReadingListError
from readinglist.records import Changes
from readinglist.services.library import Library
from readinglist.services.papers import check_tag_names
from readinglist.services.unit import Transaction


def _tag(tx: Transaction, name: str) -> Tag:
    t = tx.session.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
    if t is None:
        raise NotFoundError(f"no tag {name!r}")
    return t


def set_color(lib: Library, name: str, color: str | None) -> Changes:
    if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise ReadingListError(f"{color!r} is not a colour like #3b82f6")
    with lib.change(f"Colour tag {name}") as tx:
        t = _tag(tx, name)
        tx.capture("tags", [t.id])
        tx.session.execute(update(Tag).where(Tag.id == t.id).values(color=color))
        tx.touched(tags=True)
    return tx.changes


def rename(lib: Library, old: str, new: str) -> Changes:
    """Rename a tag; renaming onto an existing tag merges the two."""
    (new,) = check_tag_names([new]) or [""]
    if not new:
        raise ReadingListError("a tag needs a name")
    with lib.change(f"Rename tag {old} to {new}") as tx:
        s = tx.session
        t = _tag(tx, old)
        other = s.execute(select(Tag).where(Tag.name == new)).scalar_one_or_none()
        ids = list(s.execute(select(PaperTag.paper_id).where(PaperTag.tag_id == t.id)).scalars())
        tx.capture("tags", [t.id] + ([other.id] if other else []))
        tx.capture("paper_tags", [t.id] + ([other.id] if other else []), by="tag_id")
        if other is not None and other.id != t.id:
            s.execute(
                text(
                    "INSERT INTO paper_tags(paper_id, tag_id) "
                    "SELECT paper_id, :n FROM paper_tags WHERE tag_id = :o ON CONFLICT DO NOTHING"
                ),
                {"n": other.id, "o": t.id},
            )
            s.execute(text("DELETE FROM paper_tags WHERE tag_id = :o"), {"o": t.id})
            s.delete(t)
        else:
            t.name = new
        s.flush()
        tx.touched(papers=ids, tags=True)
    return tx.changes


def delete(lib: Library, name: str) -> Changes:
    with lib.change(f"Delete tag {name}") as tx:
        s = tx.session
        t = _tag(tx, name)
        ids = list(s.execute(select(PaperTag.paper_id).where(PaperTag.tag_id == t.id)).scalars())
        tx.capture("tags", [t.id])
        tx.capture("paper_tags", [t.id], by="tag_id")
        s.execute(text("DELETE FROM paper_tags WHERE tag_id = :t"), {"t": t.id})
        s.delete(t)
        s.flush()
        tx.touched(papers=ids, tags=True)
    return tx.changes
