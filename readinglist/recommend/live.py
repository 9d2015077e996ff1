"""One Recommender per open library, kept in memory between requests (the GUI's workers ask
often: every paper shown in the details pane, every For you view).

:func:`current` rebuilds it when the library's fingerprint has moved; the build itself reuses
the feature and model caches on disk. A lock keeps two workers from building at once.

Changes made through a :class:`Library` this module has seen are followed paper by paper (its
``on_change``): after a save or a tag, :func:`current` reads just those papers again and nudges
the models (:meth:`Recommender.updated`, milliseconds at 100k papers) instead of reading the
whole library and training again (seconds). The exact models then come from a full build on a
background thread once changes pause for ``QUIET_S``, which also picks up anything changed by
other processes meanwhile; until it lands, the fingerprint is not read (that read alone costs
about 0.1 s at 100k papers).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

from readinglist.recommend.corpus import library_state
from readinglist.recommend.service import Recommender
from readinglist.records import Changes
from readinglist.services.library import Library

log = logging.getLogger(__name__)

MAX_INCREMENTAL = 2000  # more changed papers than this: read and train everything again
# The background build waits for this many seconds without a change: it holds the GIL for much
# of its reading, and would slow the requests that follow a change (the view ranked again).
QUIET_S = 2.0


@dataclass
class _Entry:
    state: str | None  # None: nudged since the last full build, which is on its way
    rec: Recommender
    worker: threading.Thread | None = None  # the background full build, while it runs


@dataclass
class _Pending:
    """What changed since the cached recommender was made, as the library's listeners saw it."""

    ids: set[int] = field(default_factory=set)
    unknown: bool = False  # a change not to follow paper by paper (a tag renamed, say)
    generation: int = 0  # bumped by every change seen


_lock = threading.Lock()  # one build at a time (held for seconds)
_cache: dict[str, _Entry] = {}
_plock = threading.Lock()  # the pending changes (held for microseconds: writers take it)
_pending: dict[str, _Pending] = {}
_watched: weakref.WeakSet[Library] = weakref.WeakSet()


def _watch(lib: Library, key: str) -> None:
    if lib in _watched:
        return

    def seen(changes: Changes) -> None:
        with _plock:
            p = _pending.setdefault(key, _Pending())
            p.generation += 1
            p.ids |= changes.papers
            p.unknown |= changes.tags and not changes.papers

    lib.on_change.append(seen)
    _watched.add(lib)


def _take(key: str) -> tuple[set[int], bool]:
    with _plock:
        p = _pending.setdefault(key, _Pending())
        ids, unknown = p.ids, p.unknown
        p.ids, p.unknown = set(), False
        return ids, unknown


def _generation(key: str) -> int:
    with _plock:
        return _pending.setdefault(key, _Pending()).generation


def current(lib: Library) -> Recommender:
    key = str(lib.root)
    with _lock:
        _watch(lib, key)
        entry = _cache.get(key)
        ids, unknown = _take(key)
        if entry is not None:
            if ids or unknown:
                rec = None
                if not unknown and len(ids) <= MAX_INCREMENTAL:
                    try:
                        rec = entry.rec.updated(lib, ids)
                    except Exception:  # whatever it was, the full build below says it properly
                        log.debug("incremental For you update failed", exc_info=True)
                if rec is not None:
                    entry.rec, entry.state = rec, None
                    _rebuild_later(lib, key, entry)
                    return rec
            elif entry.state is None:
                return entry.rec  # the background build checks the fingerprint
        state = library_state(lib)
        if entry is not None and entry.state == state and not (ids or unknown):
            return entry.rec
        rec = Recommender.build(lib)
        _cache[key] = _Entry(state, rec)
        return rec


def _rebuild_later(lib: Library, key: str, entry: _Entry) -> None:
    """Train everything again on a background thread and put the exact models in place."""
    if entry.worker is not None and entry.worker.is_alive():
        return  # it compares generations when done, and goes again if something changed

    def run() -> None:
        try:
            while True:
                generation = _generation(key)
                time.sleep(QUIET_S)
                if _generation(key) != generation:
                    continue  # still changing: wait for a pause
                state = library_state(lib)
                rec = Recommender.build(lib)
                with _lock:
                    if _cache.get(key) is not entry:
                        return
                    with _plock:
                        p = _pending.setdefault(key, _Pending())
                        if p.generation != generation:
                            continue  # changed meanwhile: build again
                        p.ids, p.unknown = set(), False  # all of it is in this build
                    entry.rec, entry.state, entry.worker = rec, state, None
                    return
        except Exception:  # the library was closed or moved; the next request builds again
            log.debug("background For you build failed", exc_info=True)
            with _lock:
                if _cache.get(key) is entry:
                    del _cache[key]

    entry.worker = threading.Thread(target=run, name="for-you-build", daemon=True)
    entry.worker.start()


def settle(lib: Library, timeout: float = 60.0) -> bool:
    """Wait for a background build of ``lib``'s models; False if one is still running."""
    with _lock:
        entry = _cache.get(str(lib.root))
        worker = entry.worker if entry is not None else None
    if worker is not None:
        worker.join(timeout)
        return not worker.is_alive()
    return True


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
