"""Auto-tagging: feed papers get the tags For you is confident about, marked ``auto``.

Optional (the library setting ``autotag_threshold``, off by default). Each run is one undo step
("Auto-tag 12 papers"), so ``readinglist undo`` takes the whole run back. An auto tag is the
model's guess, not the user's: the recommender does not learn from it (``recommend/corpus.py``)
and tagging a paper by hand, or confirming the tag, makes it an ordinary one. Auto-tagging never
keeps (saves) a paper.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from readinglist.errors import ReadingListError
from readinglist.records import Changes
from readinglist.services.library import Library
from readinglist.textutil import plural

log = logging.getLogger(__name__)

SETTING = "autotag_threshold"
MAX_TAGS = 3  # the most auto tags one paper gets


@dataclass(frozen=True)
class Proposal:
    """The tags (with the model's confidence) one paper would get."""

    paper_id: int
    tags: tuple[tuple[str, float], ...]


def check_threshold(value: object) -> float | None:
    """``value`` as a threshold: None (off) or a number in 0..1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a confidence between 0 and 1")
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a confidence between 0 and 1") from None
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"the auto-tag threshold is a confidence between 0 and 1, not {value}")
    return x


def threshold(lib: Library) -> float | None:
    """The library's threshold, or None when auto-tagging is off."""
    try:
        return check_threshold(lib.setting(SETTING))
    except ValueError:
        return None


def untagged_feed_ids(lib: Library, *, days: int | None = None, today: dt.date | None = None) -> list[int]:
    """Feed papers (of the last ``days`` days, else every day) with no tag, not dismissed."""
    params: dict[str, object] = {}
    where = ""
    if days is not None:
        start = (today or dt.date.today()) - dt.timedelta(days=max(days, 1) - 1)
        where = " AND fa.feed_date >= :a"
        params["a"] = start.isoformat()
    sql = (
        "SELECT DISTINCT fa.paper_id FROM feed_appearances fa JOIN papers p ON p.id = fa.paper_id "
        "WHERE NOT p.dismissed AND NOT EXISTS (SELECT 1 FROM paper_tags pt WHERE pt.paper_id = p.id)"
        f"{where} ORDER BY fa.paper_id"
    )
    from readinglist.db.raw import text

    with lib.sql_read() as s:
        return [int(r[0]) for r in s.execute(text(sql), params)]


def propose(lib: Library, ids: Sequence[int], cutoff: float, *, limit: int = MAX_TAGS) -> list[Proposal]:
    """What auto-tagging ``ids`` at ``cutoff`` would do (reads only; trains the model if needed)."""
    if not ids:
        return []
    from readinglist.recommend.live import current

    rec = current(lib)
    if not rec.models.tags:
        return []
    out = []
    for pid in ids:
        if pid not in rec.at:
            continue
        tags = tuple((t, c) for t, c in rec.suggest_tags(pid, limit) if c >= cutoff)
        if tags:
            out.append(Proposal(pid, tags))
    return out


def apply(lib: Library, proposals: Sequence[Proposal]) -> Changes:
    """Give each paper its proposed tags, marked auto: one change, one undo step."""
    from sqlalchemy import select, text, update

    from readinglist.db.schema import Paper, Tag, utcnow

    proposals = [p for p in proposals if p.tags]
    if not proposals:
        return Changes()
    ids = [p.paper_id for p in proposals]
    with lib.change(f"Auto-tag {plural(len(ids), 'paper')}") as tx:
        s = tx.session
        tx.capture_papers(ids, children=("paper_tags",))
        tag_ids: dict[str, int] = {}
        for name in sorted({t for p in proposals for t, _ in p.tags}):
            t = s.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
            if t is None:  # a tag the model knows was deleted since it trained
                t = Tag(name=name)
                s.add(t)
                s.flush()
                tx.created("tags", [t.id])
            tag_ids[name] = t.id
        s.execute(
            text("INSERT INTO paper_tags(paper_id, tag_id, auto) VALUES (:p, :t, :a) ON CONFLICT DO NOTHING"),
            [{"p": p.paper_id, "t": tag_ids[t], "a": True} for p in proposals for t, _ in p.tags],
        )
        s.execute(update(Paper).where(Paper.id.in_(ids)).values(modified_at=utcnow()))
        tx.touched(papers=ids, tags=True)
    return tx.changes


def auto_tag(
    lib: Library, ids: Sequence[int], cutoff: float, *, dry_run: bool = False
) -> tuple[list[Proposal], Changes]:
    """Propose, then (unless ``dry_run``) apply, in one undo step."""
    found = propose(lib, ids, cutoff)
    return found, (Changes() if dry_run else apply(lib, found))


def after_sync(lib: Library, days: Iterable[dt.date]) -> int:
    """After a sync: the papers first listed on ``days`` that have no tag get auto tags, when
    the library's threshold is set. Returns how many papers were tagged. Never raises for a
    missing ``recommend`` extra or a model that cannot be trained: the feed matters more."""
    cutoff = threshold(lib)
    days = sorted(days)
    if cutoff is None or not days:
        return 0
    from readinglist.services.alerts import new_feed_paper_ids

    with lib.read() as s:
        new = set(new_feed_paper_ids(s, days[0], days[-1]))
    ids = [i for i in untagged_feed_ids(lib) if i in new]
    try:
        found, _ = auto_tag(lib, ids, cutoff)
    except ReadingListError as exc:  # e.g. the recommend extra is not installed
        log.warning("no auto-tagging after the sync: %s", exc)
        return 0
    except Exception:
        log.exception("auto-tagging after the sync failed; the feed is saved")
        return 0
    return len(found)


def confirm(lib: Library, paper_id: int, tags: Sequence[str]) -> Changes:
    """The user accepts auto tags: they become ordinary tags (one undo step)."""
    from sqlalchemy import select, update

    from readinglist.db.schema import PaperTag, Tag

    with lib.change(f"Confirm tag {', '.join(tags)}") as tx:
        tx.capture("paper_tags", [paper_id], by="paper_id")
        tx.session.execute(
            update(PaperTag)
            .where(
                PaperTag.paper_id == paper_id,
                PaperTag.auto.is_(True),
                PaperTag.tag_id.in_(select(Tag.id).where(Tag.name.in_(list(tags)))),
            )
            .values(auto=False)
        )
        tx.touched(papers=[paper_id], tags=True)
    return tx.changes


@dataclass(frozen=True)
class Accuracy:
    """How well the model suggests tags and ranks on this library (a held-out time split)."""

    precision_at_1: float | None
    precision_at_3: float | None
    ndcg_at_10: float | None
    n_test: int


def accuracy(lib: Library) -> Accuracy:
    """The model's own accuracy (``recommend/evaluate.py``). Slow: call it off the GUI thread."""
    from readinglist.recommend import evaluate, features
    from readinglist.recommend import model as mdl
    from readinglist.recommend.corpus import load_docs
    from readinglist.recommend.service import default_mode, require

    require()
    docs = load_docs(lib)
    f = features.update(lib.root, docs)
    result = evaluate.evaluate(docs, f, modes=[mdl.usable_mode(default_mode(), f)])  # the one in use
    by: dict[str, dict[str, object]] = result["by_features"]  # type: ignore[assignment]
    m = by[str(result["features"])]

    def num(key: str) -> float | None:
        v = m.get(key)
        return float(v) if isinstance(v, (int, float)) else None

    return Accuracy(
        num("tag_precision_at_1"),
        num("tag_precision_at_3"),
        num("ndcg_at_10"),
        int(result["n_test"]),  # type: ignore[call-overload]
    )
