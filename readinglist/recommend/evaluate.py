"""How good For you is on this user's own library: train on papers first listed before a date,
test on the ones after it, and compare with the upvote order everyone sees.

Metrics (each held-out feed day is ranked on its own, then the days are averaged):

- ``ndcg_at_10``: nDCG@10 of the day's order, a kept paper counting 1;
- ``auc``: the chance that a kept paper of the day is ranked above one that was not kept;
- ``tag_precision_at_1``: how often the first suggested tag of a tagged held-out paper is one of
  its tags; ``tag_precision_at_3``: the share of its tags (at most 3) among the first three.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from readinglist.errors import ReadingListError
from readinglist.recommend import features as feat
from readinglist.recommend import model as mdl
from readinglist.recommend.corpus import Doc

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

TRAIN_SHARE = 0.7


def split_date(docs: Sequence[Doc]) -> dt.date:
    """The first day of the test period: about 70% of the papers the user judged come before it."""
    days = sorted(d.first_date for d in docs if d.kept or d.dismissed)
    distinct = sorted(set(days))
    if len(distinct) < 2:
        raise ReadingListError(
            "an evaluation needs papers you kept or dismissed on at least two different days"
        )
    cut = days[min(len(days) - 1, max(1, int(len(days) * TRAIN_SHARE)))]
    return cut if cut != distinct[0] else distinct[1]


def ndcg_at(rel: Sequence[float], k: int = 10) -> float:
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rel[:k]))
    ideal = sorted(rel, reverse=True)
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal[:k]))
    return dcg / idcg if idcg else 0.0


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def _ranking_metrics(
    days: dict[dt.date, list[int]], docs: Sequence[Doc], score: npt.NDArray[np.float32] | Sequence[float]
) -> dict[str, float | None]:
    ndcgs: list[float | None] = []
    aucs: list[float | None] = []
    for rows in days.values():
        labels = [docs[r].kept for r in rows]
        s = [float(score[r]) for r in rows]
        order = sorted(range(len(rows)), key=lambda k: (-s[k], docs[rows[k]].id))
        if any(labels):
            ndcgs.append(ndcg_at([float(labels[k]) for k in order]))
        aucs.append(auc(s, labels))
    return {"ndcg_at_10": _mean(ndcgs), "auc": _mean(aucs)}


def evaluate(
    docs: Sequence[Doc], f: feat.Features, *, modes: Sequence[str] | None = None
) -> dict[str, object]:
    import numpy as np

    cut = split_date(docs)
    train = np.array([d.first_date < cut for d in docs], bool)
    test_rows = [n for n, d in enumerate(docs) if not train[n]]
    days: dict[dt.date, list[int]] = {}
    for r in test_rows:
        if docs[r].feed_dates:
            days.setdefault(docs[r].first_date, []).append(r)
    modes = list(modes or [m for m in mdl.MODES if f.has_vectors or m == "tfidf"])
    upvotes = np.array([d.upvotes for d in docs], dtype=np.float32)
    result: dict[str, object] = {
        "split_date": cut.isoformat(),
        "n_train": int(train.sum()),
        "n_test": len(test_rows),
        "test_days": len(days),
        "upvotes": _ranking_metrics(days, docs, upvotes),
    }
    by_mode: dict[str, dict[str, float | None]] = {}
    for mode in modes:
        models = mdl.train(docs, f, mode=mode, train_mask=train.tolist())
        rows = np.array(test_rows, dtype=np.int64)
        score = np.zeros(len(docs), dtype=np.float32)
        probs = models.probability(f.counts[rows], f.vectors[rows]) if len(rows) and models.names else None
        metrics: dict[str, float | None] = {"ndcg_at_10": None, "auc": None}
        if probs is not None and models.has_keep:
            score[rows] = probs[:, models.names.index(mdl.KEEP)]
            metrics = _ranking_metrics(days, docs, score)
        metrics.update(_tag_metrics(docs, rows, models, probs))
        by_mode[mode] = metrics
    best = max(by_mode, key=lambda m: sum(v or 0.0 for v in by_mode[m].values()))
    result.update({"features": best, **by_mode[best], "by_features": by_mode})
    return result


def _tag_metrics(
    docs: Sequence[Doc],
    rows: npt.NDArray[np.int64],
    models: mdl.Models,
    probs: npt.NDArray[np.float32] | None,
) -> dict[str, float | None]:
    tags = models.tags
    p1: list[float | None] = []
    p3: list[float | None] = []
    if probs is not None and tags:
        cols = [models.names.index(t) for t in tags]
        for k, r in enumerate(rows):
            truth = set(docs[int(r)].tags) & set(tags)
            if not truth:
                continue
            ranked = [tags[i] for i in sorted(range(len(tags)), key=lambda i: -probs[k, cols[i]])]
            p1.append(float(ranked[0] in truth))
            p3.append(len(set(ranked[:3]) & truth) / min(3, len(truth)))
    return {"tag_precision_at_1": _mean(p1), "tag_precision_at_3": _mean(p3), "n_tag_test": len(p1)}
