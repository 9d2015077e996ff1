"""Topics of a feed day and dismissing one at once.

A day's topics are its clusters (:mod:`readinglist.recommend.clusters`), numbered from 1 in the
order ``readinglist clusters`` prints them. The same day, k and seed over the same library give
the same numbering: dismissing papers changes neither the day's papers nor their features, so
topic 2 stays topic 2 after topic 1 is dismissed. Computing the topics reads the whole library
(call it off the GUI thread); dismissing one is a single :meth:`Library.change`, one undo step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from readinglist.db.schema import FeedAppearance, Paper
from readinglist.errors import NotFoundError, ReadingListError
from readinglist.records import Changes
from readinglist.services import papers
from readinglist.services.library import Library
from readinglist.textutil import plural

if TYPE_CHECKING:
    from readinglist.recommend.service import Recommender


@dataclass(frozen=True)
class Topic:
    number: int  # from 1, as ``readinglist clusters`` prints it
    label: str  # its top terms, e.g. "video · diffusion · frames"
    day: dt.date
    paper_ids: tuple[int, ...]

    @property
    def name(self) -> str:
        """The label as a step and a message say it: "video, diffusion, frames"."""
        return ", ".join(self.label.split(" · "))


@dataclass(frozen=True)
class DayTopics:
    day: dt.date | None  # None: no feed day synced yet
    paper_ids: tuple[int, ...]  # every paper of the day's feed, dismissed ones included
    topics: tuple[Topic, ...]  # biggest first


@dataclass(frozen=True)
class Dismissed:
    topic: Topic
    paper_ids: tuple[int, ...]  # the ones this step dismissed (the others were already)
    changes: Changes


def day_topics(
    lib: Library,
    day: dt.date | None = None,
    k: int | None = None,
    *,
    seed: int = 0,
    rec: Recommender | None = None,
) -> DayTopics:
    """The topics of one feed day (default: the newest synced). ``rec``: a recommender already
    built for this library (the GUI keeps one); else one is built. Needs the recommend extra."""
    from readinglist.recommend.service import Recommender, feed_ids, require
    from readinglist.services.digest import newest_day

    require()  # says what to install before anything heavy is imported
    from readinglist.recommend.clusters import clusters

    day = day or newest_day(lib)
    if day is None:
        return DayTopics(None, (), ())
    ids, _ = feed_ids(lib, date=day)
    if not ids:
        return DayTopics(day, (), ())
    groups = clusters(lib, rec or Recommender.build(lib), ids, k, seed=seed)
    topics = tuple(Topic(n, g.label, day, g.paper_ids) for n, g in enumerate(groups, 1))
    return DayTopics(day, tuple(ids), topics)


def newest_feed_day(lib: Library, paper_id: int) -> dt.date:
    """The newest feed day that listed the paper; ReadingListError if none did."""
    with lib.read() as s:
        v = s.execute(
            select(func.max(FeedAppearance.feed_date)).where(FeedAppearance.paper_id == paper_id)
        ).scalar()
    day = v if isinstance(v, dt.date) or v is None else dt.date.fromisoformat(str(v)[:10])
    if day is None:
        raise ReadingListError(f"paper #{paper_id} was never in the Daily Papers feed, so it has no topic")
    return day


def topic_of(
    lib: Library,
    paper_id: int,
    day: dt.date | None = None,
    k: int | None = None,
    *,
    seed: int = 0,
    rec: Recommender | None = None,
) -> Topic:
    """The topic of ``day`` (default: the newest feed day that listed the paper) holding the paper."""
    day = day or newest_feed_day(lib, paper_id)
    found = day_topics(lib, day, k, seed=seed, rec=rec)
    for t in found.topics:
        if paper_id in t.paper_ids:
            return t
    raise NotFoundError(f"paper #{paper_id} is not in the feed of {day.isoformat()}")


def topic_number(lib: Library, number: int, day: dt.date | None = None, k: int | None = None) -> Topic:
    """Topic ``number`` of ``day`` (default: the newest synced), as ``readinglist clusters`` shows it."""
    found = day_topics(lib, day, k)
    if found.day is None:
        raise ReadingListError("no feed day synced yet (run: readinglist sync)")
    n = len(found.topics)
    if not 1 <= number <= n:
        where = found.day.isoformat()
        if not n:
            raise ReadingListError(f"the feed of {where} has no papers, so no topics")
        raise ReadingListError(
            f"the feed of {where} has {plural(n, 'topic')}: pick 1 to {n} "
            f"(see: readinglist clusters --date {where})"
        )
    return found.topics[number - 1]


def dismiss_cluster(lib: Library, topic: Topic) -> Dismissed:
    """Dismiss every paper of ``topic`` not dismissed yet, as one undo step."""
    # Read under the write lock (the change holds it). A paper deleted since the topics were
    # computed is simply not there any more: the rest of the topic still goes.
    with lib.change(f"Dismiss topic “{topic.name}”") as tx:
        ids = list(topic.paper_ids)
        todo = list(
            tx.session.execute(
                select(Paper.id).where(Paper.id.in_(ids), Paper.dismissed.is_(False)).order_by(Paper.id)
            ).scalars()
        )
        if todo:
            tx.relabel(f"Dismiss topic “{topic.name}” ({plural(len(todo), 'paper')})")
            papers.set_fields(tx, todo, dismissed=True)
    return Dismissed(topic, tuple(todo), tx.changes)


def dismiss_topic(
    lib: Library, paper_id: int, day: dt.date | None = None, k: int | None = None, *, seed: int = 0
) -> Dismissed:
    """Compute ``day``'s topics as ``readinglist clusters`` does and dismiss the one holding
    ``paper_id``, in one undo step."""
    return dismiss_cluster(lib, topic_of(lib, paper_id, day, k, seed=seed))
