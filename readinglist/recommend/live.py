"""One Recommender per open library, kept in memory between requests (the GUI's workers ask
often: every paper shown in the details pane, every For you view).

:func:`current` rebuilds it when the library's fingerprint has moved; the build itself reuses
the feature and model caches on disk. A lock keeps two workers from building at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from readinglist.recommend.corpus import library_state
from readinglist.recommend.service import Recommender
from readinglist.services.library import Library

_lock = threading.Lock()
_cache: dict[str, tuple[str, Recommender]] = {}


def current(lib: Library) -> Recommender:
    key = str(lib.root)
    with _lock:
        state = library_state(lib)
        hit = _cache.get(key)
        if hit is not None and hit[0] == state:
            return hit[1]
        rec = Recommender.build(lib)
        _cache[key] = (state, rec)
        return rec


@dataclass(frozen=True)
class PaperAdvice:
    """What the details pane shows under a paper."""

    paper_id: int
    reasons: tuple[str, ...]
    score: float | None  # None: For you has too little to learn from
    tags: tuple[tuple[str, float], ...]
    similar: tuple[tuple[int, str, float], ...]  # id, title, score


def advice(lib: Library, paper_id: int, *, n_tags: int = 3, n_similar: int = 5) -> PaperAdvice:
    rec = current(lib)
    ranked = rec.rank([paper_id]).items[0]
    similar = rec.similar(paper_id, n_similar)
    return PaperAdvice(
        paper_id,
        ranked.reasons,
        ranked.score if rec.personal else None,
        tuple(rec.suggest_tags(paper_id, n_tags)),
        tuple((i, rec.docs[rec.at[i]].title, s) for i, s in similar),
    )


@dataclass(frozen=True)
class Order:
    """A For you order for the paper list: the ids, and for each its score and why."""

    ids: list[int]
    reasons: dict[int, tuple[str, ...]]
    scores: dict[int, float]  # how likely the user keeps it (0-1); empty when by upvotes
    note: str = ""  # why the order is by upvotes (too little kept to learn from), else ""


def order(lib: Library, ids: list[int]) -> Order:
    """``ids`` in For you order, with score and why for each (by upvotes when too little is kept)."""
    ranking = current(lib).rank(ids)
    scores = {it.paper_id: it.score for it in ranking.items} if ranking.personal else {}
    return Order(
        [it.paper_id for it in ranking.items],
        {it.paper_id: it.reasons for it in ranking.items},
        scores,
        ranking.note,
    )
