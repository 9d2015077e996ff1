"""What the CLI and the GUI ask of the recommender: rank papers, explain, suggest, find similar.

:meth:`Recommender.build` reads the library once, brings the feature cache up to date and
reuses the trained models on disk while the library's fingerprint is unchanged, so a second
call after no change costs a cache read. It does no writes to the library; call it off the GUI
thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
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


def _dot_blocks(
    q: npt.NDArray[np.float32], v: npt.NDArray[np.float16], step: int = 1024
) -> npt.NDArray[np.float32]:
    """``q @ v.T`` in float32 without a float32 copy of all of ``v``: a block at a time (of
    1,024 rows, 1 MB: at 100k x 256 the cast takes 25 ms so, 30 for blocks of 8,192, 93 at once)."""
    import numpy as np

    out = np.empty((len(q), len(v)), dtype=np.float32)
    for i in range(0, len(v), step):
        out[:, i : i + step] = q @ v[i : i + step].astype(np.float32).T
    return out


class Recommender:
    def __init__(
        self,
        docs: Sequence[Doc],
        f: feat.Features,
        models: mdl.Models,
        *,
        at: dict[int, int] | None = None,
        kept_rows: npt.NDArray[np.int64] | None = None,
    ) -> None:
        import numpy as np

        self.docs = list(docs)
        self.f = f
        self.models = models
        self.at = at if at is not None else {d.id: n for n, d in enumerate(self.docs)}
        self.kept_rows = (
            kept_rows
            if kept_rows is not None
            else np.array([n for n, d in enumerate(self.docs) if d.kept], dtype=np.int64)
        )
        self._all: Any = None  # every paper's TF-IDF side of a similarity, on first use
        # The kept papers' side, for the rows it was made for; papers kept or let go since are
        # added or masked at each use (rebuilt once they are more than a tenth of it).
        self._kept: tuple[npt.NDArray[np.int64], Any, Any] | None = None
        self._tag_cols = [models.names.index(t) for t in models.tags]

    @classmethod
    def build(
        cls, lib: Library, *, mode: str | None = None, progress: Callable[[int, int], None] | None = None
    ) -> Recommender:
        require()
        mode = mode or default_mode()
        docs = load_docs(lib, with_text=False)
        f = feat.update(lib.root, docs, progress=progress, reread=partial(load_docs, lib))
        mode = mdl.usable_mode(mode, f)
        state = f"{library_state(lib)}:{mdl.RECIPE}"
        path = feat.cache_dir(lib.root) / f"model-{mode}.npz"
        models = mdl.load(path)
        if models is None or models.state != state or models.mode != mode:
            models = mdl.train(docs, f, mode=mode)
            models.state = state
            mdl.save(path, models)
        return cls(docs, f, models)

    def updated(self, lib: Library, ids: Collection[int]) -> Recommender | None:
        """This recommender after the papers ``ids`` changed (saved, dismissed, tagged, edited,
        added), without reading or training on the rest of the library: their rows are read
        again, their features brought up to date, and each model they are now an example for
        takes one passive-aggressive step (:func:`model.nudged`). None when only a full build
        is right: a paper was deleted, a tag renamed or deleted, or a first keep model is due.

        The nudged models are an approximation kept in memory only; ``live`` trains again in
        the background and replaces them."""
        import numpy as np
        from sqlalchemy import text

        fresh = {d.id: d for d in load_docs(lib, ids, with_text=False)}
        if any(i not in fresh for i in ids):
            return None  # deleted
        with lib.read() as s:
            names = {str(r[0]) for r in s.execute(text("SELECT name FROM tags"))}
        docs = list(self.docs)
        steps: list[tuple[int, str, float]] = []
        same_rows = True
        for pid in sorted(fresh):
            new = fresh[pid]
            n = self.at.get(pid)
            if n is None:
                n = len(docs)
                docs.append(new)
                same_rows = False
            else:
                old = docs[n]
                docs[n] = new
                if old.digest != new.digest:
                    same_rows = False
                if any(t not in names for t in old.tags):
                    return None  # a tag was renamed or deleted: its model's name is gone
            was = self.docs[self.at[pid]] if pid in self.at else None
            if new.kept and not (was and was.kept):
                steps.append((n, mdl.KEEP, 1.0))
            elif new.dismissed and not (was and was.dismissed):
                steps.append((n, mdl.KEEP, -1.0))
            before = set(was.tags) if was else set()
            steps += [(n, t, 1.0) for t in sorted(set(new.tags) - before)]
            steps += [(n, t, -1.0) for t in sorted(before - set(new.tags))]
        if not self.personal and sum(d.kept for d in docs) >= mdl.MIN_KEPT:
            return None  # the first keep model: train it
        if same_rows:  # only judgements moved: the features, the index and the sides stay
            f = self.f
            at = [self.at[i] for i in fresh]
            kept_now = np.array([n for n in at if docs[n].kept], dtype=np.int64)
            kept_before = np.array([n for n in at if self.docs[n].kept], dtype=np.int64)
            kept_rows = np.union1d(np.setdiff1d(self.kept_rows, kept_before), kept_now)
            rec = Recommender(docs, f, mdl.nudged(self.models, f, steps), at=self.at, kept_rows=kept_rows)
            rec._all, rec._kept = self._all, self._kept
        else:
            f = feat.update(lib.root, docs, reread=partial(load_docs, lib))
            rec = Recommender(docs, f, mdl.nudged(self.models, f, steps))
        return rec

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
        """TF-IDF rows (transposed, for the right of a product) and float32 vectors (transposed)
        of ``rows`` (None: every paper)."""
        import numpy as np

        counts = self.f.counts if rows is None else self.f.counts[rows]
        vectors = self.f.vectors if rows is None else self.f.vectors[rows]
        t = feat.tfidf(counts, self.models.idf)[0].T.tocsr() if self.models.mode != "embed" else None
        v = vectors.astype(np.float32).T.copy() if self.models.mode != "tfidf" else None
        return t, v

    def _cosines(self, rows: npt.NDArray[np.int64], side: tuple[Any, Any]) -> npt.NDArray[np.float32]:
        """Cosine similarity of ``rows`` to a side's papers by the model's features (the mean of
        the TF-IDF and vector cosines when both are used)."""
        import numpy as np

        t, v = side
        parts = []
        if t is not None:
            a, _ = feat.tfidf(self.f.counts[rows], self.models.idf)
            parts.append(np.asarray((a @ t).todense(), dtype=np.float32))
        if v is not None:
            parts.append(self.f.vectors[rows].astype(np.float32) @ v)
        out: npt.NDArray[np.float32] = (sum(parts[1:], parts[0]) / len(parts)).astype(np.float32)
        return out

    def _similarity(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Cosine similarity of a few ``rows`` (the details pane asks for one) to every paper.

        Every paper's side is kept lean, since it stays in memory: TF-IDF rows that share the
        counts' index arrays, multiplied by the query as a dense column, and the float16
        vectors themselves, converted a block at a time. At 100k papers that is 41 MB where
        :meth:`_side`'s transposed copies are 189 MB (and 0.5 s to make instead of 1.2 s); a
        query costs about 40 ms where theirs cost 8.
        """
        import numpy as np

        mode, idf = self.models.mode, self.models.idf
        parts = []
        if mode != "embed":
            if self._all is None:
                self._all = feat.tfidf_view(self.f.counts, idf)
            a, _ = feat.tfidf(self.f.counts[rows], idf)
            parts.append(np.asarray(self._all @ a.T.toarray()).T)  # the query (F x k) dense: 4 MB a row
        if mode != "tfidf":
            parts.append(_dot_blocks(self.f.vectors[rows].astype(np.float32), self.f.vectors))
        out: npt.NDArray[np.float32] = (sum(parts[1:], parts[0]) / len(parts)).astype(np.float32)
        return out

    def _kept_similarity(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The kept papers' rows (in some order) and the similarity of ``rows`` to each; papers
        no longer kept are still there, at -inf."""
        import numpy as np

        if self._kept is not None:
            base = self._kept[0]
            added = np.setdiff1d(self.kept_rows, base, assume_unique=True)
            gone = ~np.isin(base, self.kept_rows, assume_unique=True)
            if len(added) + int(gone.sum()) > max(16, len(base) // 10):
                self._kept = None
        if self._kept is None:
            self._kept = (self.kept_rows, *self._side(self.kept_rows))
            added, gone = self.kept_rows[:0], np.zeros(len(self.kept_rows), bool)
        base, t, v = self._kept
        sims = self._cosines(rows, (t, v))
        if gone.any():
            sims[:, gone] = -np.inf
        if len(added):
            return np.concatenate([base, added]), np.hstack([sims, self._cosines(rows, self._side(added))])
        return base, sims

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
        cols, sims = self._kept_similarity(rows) if len(self.kept_rows) else (self.kept_rows, None)
        items = []
        for k in np.argsort(-keep, kind="stable"):
            reasons = self._reasons(int(rows[k]), probs[k], cols, None if sims is None else sims[k])
            items.append(Ranked(ids[int(k)], float(keep[k]), reasons))
        return Ranking(tuple(items), True)

    def _reasons(
        self,
        row: int,
        probs: npt.NDArray[np.float32],
        cols: npt.NDArray[np.int64],
        sims: npt.NDArray[np.float32] | None,
    ) -> tuple[str, ...]:
        """Why ``row`` ranks where it does: ``sims`` are its similarities to the kept papers
        ``cols`` (-inf for papers no longer kept)."""
        import numpy as np

        if sims is None or not len(sims):
            return ()
        sims = np.where(cols == row, -np.inf, sims)
        k = min(NEIGHBOURS, len(sims))
        head = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
        order = head[np.argsort(-sims[head], kind="stable")]
        reasons: list[str] = []
        # The tag: the tag model's best guess if one of the nearest kept papers has it, else
        # the tag most of the nearest have.
        near = [int(cols[k]) for k in order[:NEIGHBOURS] if np.isfinite(sims[k])]
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
            top = int(cols[order[0]])
            close = int(np.count_nonzero(sims >= 0.9 * top_sim)) - 1
            verb = "saved" if self.docs[top].saved else "kept"
            more = f" and {close} more" if close else ""
            reasons.append(f"like {_clip(self.docs[top].title)}{more} you {verb}")
        return tuple(reasons)

    def similar(self, paper_id: int, limit: int = 10) -> list[tuple[int, float]]:
        import numpy as np

        row = self._rows([paper_id])
        sims = self._similarity(row)[0]
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
