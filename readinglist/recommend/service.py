"""What the CLI and the GUI ask of the recommender: rank papers, explain, suggest, find similar.

:meth:`Recommender.build` reads the library once, brings the feature cache up to date and
reuses the trained models on disk while the library's fingerprint is unchanged, so a second
call after no change costs a cache read. It does no writes to the library; call it off the GUI
thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from readinglist.errors import NotFoundError, ReadingListError
from readinglist.recommend import embed
from readinglist.recommend import features as feat
from readinglist.recommend import model as mdl
from readinglist.recommend.corpus import Doc, library_state, load_docs
from readinglist.services.library import Library

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NEIGHBOURS = 5  # the kept papers a reason looks at
INSTALL_HINT = "For you needs numpy and scikit-learn: pip install 'readinglist[recommend]'"


def require() -> None:
    """Raise a message saying what to install when the ``recommend`` extra is missing."""
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("numpy", "scipy", "sklearn")):
        raise ReadingListError(INSTALL_HINT)


def default_mode() -> str:
    return "both" if embed.available() else "tfidf"


@dataclass(frozen=True)
class Ranked:
    paper_id: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ranking:
    items: tuple[Ranked, ...]
    personal: bool  # False: too little to learn from, ordered by upvotes
    note: str = ""


def _clip(title: str, n: int = 60) -> str:
    title = " ".join(title.split())
    return "“" + (title if len(title) <= n else title[: n - 1] + "…") + "”"


class Recommender:
    def __init__(self, docs: Sequence[Doc], f: feat.Features, models: mdl.Models) -> None:
        import numpy as np

        self.docs = list(docs)
        self.f = f
        self.models = models
        self.at = {d.id: n for n, d in enumerate(self.docs)}
        self.kept_rows = np.array([n for n, d in enumerate(self.docs) if d.kept], dtype=np.int64)
        self._sides: dict[str, tuple[Any, Any]] = {}  # computed on first use, then kept
        self._tag_cols = [models.names.index(t) for t in models.tags]

    @classmethod
    def build(
        cls, lib: Library, *, mode: str | None = None, progress: Callable[[int, int], None] | None = None
    ) -> Recommender:
        require()
        mode = mode or default_mode()
        docs = load_docs(lib)
        f = feat.update(lib.root, docs, progress=progress)
        mode = mdl.usable_mode(mode, f)
        state = f"{library_state(lib)}:{mdl.RECIPE}"
        path = feat.cache_dir(lib.root) / f"model-{mode}.npz"
        models = mdl.load(path)
        if models is None or models.state != state or models.mode != mode:
            models = mdl.train(docs, f, mode=mode)
            models.state = state
            mdl.save(path, models)
        return cls(docs, f, models)

    # -- scores ----------------------------------------------------------------------------
    def _rows(self, ids: Sequence[int]) -> npt.NDArray[np.int64]:
        import numpy as np

        try:
            return np.array([self.at[i] for i in ids], dtype=np.int64)
        except KeyError as exc:
            raise NotFoundError(f"paper #{exc.args[0]} is not in the library") from None

    def _probs(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        return self.models.probability(self.f.counts[rows], self.f.vectors[rows])

    def _side(self, rows: npt.NDArray[np.int64] | None) -> tuple[Any, Any]:
        """TF-IDF rows (transposed, for the right of a product) and float32 vectors (transposed)."""
        import numpy as np

        key = "all" if rows is None else "kept"
        if key not in self._sides:
            counts = self.f.counts if rows is None else self.f.counts[rows]
            vectors = self.f.vectors if rows is None else self.f.vectors[rows]
            t = feat.tfidf(counts, self.models.idf)[0].T.tocsr() if self.models.mode != "embed" else None
            v = vectors.astype(np.float32).T.copy() if self.models.mode != "tfidf" else None
            self._sides[key] = (t, v)
        return self._sides[key]

    def _similarity(
        self, rows: npt.NDArray[np.int64], other: npt.NDArray[np.int64] | None
    ) -> npt.NDArray[np.float32]:
        """Cosine similarity of ``rows`` to the kept papers (``other``) or to every paper (None),
        by the model's features (the mean of TF-IDF and vector cosines when both are used)."""
        import numpy as np

        t, v = self._side(other)
        parts = []
        if t is not None:
            a, _ = feat.tfidf(self.f.counts[rows], self.models.idf)
            parts.append(np.asarray((a @ t).todense(), dtype=np.float32))
        if v is not None:
            parts.append(self.f.vectors[rows].astype(np.float32) @ v)
        out: npt.NDArray[np.float32] = (sum(parts[1:], parts[0]) / len(parts)).astype(np.float32)
        return out

    @property
    def personal(self) -> bool:
        return self.models.has_keep

    def rank(self, ids: Sequence[int]) -> Ranking:
        """``ids`` best first for this user, each with why; by upvotes when too little is kept."""
        import numpy as np

        ids = list(ids)
        if not ids:
            return Ranking((), self.personal)
        rows = self._rows(ids)
        if not self.personal:
            n = len(self.kept_rows)
            order = sorted(range(len(ids)), key=lambda k: -self.docs[rows[k]].upvotes)
            note = f"For you learns from at least {mdl.MIN_KEPT} papers you keep (saved, starred, read or tagged); you have {n}, so this is by upvotes"
            return Ranking(
                tuple(Ranked(ids[k], float(self.docs[rows[k]].upvotes), ()) for k in order), False, note
            )
        probs = self._probs(rows)
        keep = probs[:, self.models.names.index(mdl.KEEP)]
        sims = self._similarity(rows, self.kept_rows) if len(self.kept_rows) else None
        items = []
        for k in np.argsort(-keep, kind="stable"):
            reasons = self._reasons(int(rows[k]), probs[k], None if sims is None else sims[k])
            items.append(Ranked(ids[int(k)], float(keep[k]), reasons))
        return Ranking(tuple(items), True)

    def _reasons(
        self, row: int, probs: npt.NDArray[np.float32], sims: npt.NDArray[np.float32] | None
    ) -> tuple[str, ...]:
        import numpy as np

        if sims is None or not len(sims):
            return ()
        sims = np.where(self.kept_rows == row, -np.inf, sims)
        k = min(NEIGHBOURS, len(sims))
        head = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
        order = head[np.argsort(-sims[head], kind="stable")]
        reasons: list[str] = []
        # The tag: the tag model's best guess if one of the nearest kept papers has it, else
        # the tag most of the nearest have.
        near = [int(self.kept_rows[k]) for k in order[:NEIGHBOURS] if np.isfinite(sims[k])]
        counts: dict[str, int] = {}
        for r in near:
            for t in self.docs[r].tags:
                counts[t] = counts.get(t, 0) + 1
        tags = self.models.tags
        tag = None
        if tags:
            best = tags[int(np.argmax(probs[self._tag_cols]))]
            tag = best if counts.get(best) else None
        if tag is None and counts:
            common = max(counts, key=lambda t: (counts[t], t))
            tag = common if counts[common] >= 2 else None
        if tag is not None:
            mates = [r for r in near if tag in self.docs[r].tags]
            titles = ", ".join(_clip(self.docs[r].title, 50) for r in mates[:2])
            n = len(mates)
            reasons.append(f"like {n} paper{'s' if n != 1 else ''} you tagged {tag}: {titles}")
        top_sim = float(sims[order[0]])
        if np.isfinite(top_sim) and top_sim > 0:
            top = int(self.kept_rows[order[0]])
            close = int(np.count_nonzero(sims >= 0.9 * top_sim)) - 1
            verb = "saved" if self.docs[top].saved else "kept"
            more = f" and {close} more" if close else ""
            reasons.append(f"like {_clip(self.docs[top].title)}{more} you {verb}")
        return tuple(reasons)

    def similar(self, paper_id: int, limit: int = 10) -> list[tuple[int, float]]:
        import numpy as np

        row = self._rows([paper_id])
        sims = self._similarity(row, None)[0]
        sims[row[0]] = -np.inf
        if len(sims) < 2:
            return []
        top = np.argpartition(-sims, min(limit, len(sims) - 1))[:limit]
        best = sorted(((float(sims[i]), int(i)) for i in top if np.isfinite(sims[i])), reverse=True)
        return [(self.docs[i].id, s) for s, i in best[:limit]]

    def suggest_tags(self, paper_id: int, limit: int = 3) -> list[tuple[str, float]]:
        """Tags this paper does not have yet, best first, with the tag model's probability."""
        tags = self.models.tags
        if not tags:
            return []
        row = self._rows([paper_id])
        probs = self._probs(row)[0]
        have = set(self.docs[int(row[0])].tags)
        out = [(t, float(probs[self.models.names.index(t)])) for t in tags if t not in have]
        out.sort(key=lambda x: -x[1])
        return out[:limit]


def feed_ids(lib: Library, *, date: dt.date | None = None, days: int | None = None) -> tuple[list[int], str]:
    """The feed papers of one day (default: the newest synced) or of the last ``days`` days."""
    from sqlalchemy import text

    from readinglist.services.digest import newest_day

    if days is not None:
        end = dt.date.today()
        start = end - dt.timedelta(days=max(days, 1) - 1)
        label = f"{start.isoformat()} to {end.isoformat()}"
    else:
        day = date or newest_day(lib)
        if day is None:
            return [], "no feed day synced yet (run: readinglist sync)"
        start = end = day
        label = day.isoformat()
    with lib.read() as s:
        ids = [
            int(r[0])
            for r in s.execute(
                text(
                    "SELECT DISTINCT paper_id FROM feed_appearances WHERE feed_date BETWEEN :a AND :b "
                    "ORDER BY paper_id"
                ),
                {"a": start, "b": end},
            )
        ]
    return ids, label
