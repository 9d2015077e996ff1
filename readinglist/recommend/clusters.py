"""Clusters of the day: a feed day's papers in a few topics (k-means over the sentence vectors,
or TF-IDF rows without them), each labelled by its top terms, so a topic can be dismissed at once."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from readinglist.recommend.corpus import load_docs
from readinglist.recommend.service import Recommender
from readinglist.services.library import Library

_AUTHOR = re.compile(r"\bau_\w+")


@dataclass(frozen=True)
class Cluster:
    label: str  # its top terms, e.g. "video · diffusion · frames"
    paper_ids: tuple[int, ...]


def default_k(n: int) -> int:
    return max(1, min(8, round(math.sqrt(n / 2))))


def clusters(
    lib: Library, rec: Recommender, ids: Sequence[int], k: int | None = None, *, seed: int = 0
) -> list[Cluster]:
    """``ids`` in ``k`` groups (default about sqrt(n/2), at most 8), biggest first, labelled from
    their texts (read from ``lib``: the recommender keeps none). Deterministic: the same ids,
    features, k and ``seed`` give the same groups in the same order."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    from readinglist.recommend import features as feat

    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    k = max(1, min(k or default_k(len(ids)), len(ids)))
    rows = np.array([rec.at[i] for i in ids], dtype=np.int64)
    if rec.f.has_vectors:
        x = rec.f.vectors[rows].astype(np.float32)
    else:
        x = feat.tfidf(rec.f.counts[rows], feat.idf_of(rec.f.counts))[0]
    labels = (
        KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x) if k > 1 else np.zeros(len(ids), int)
    )
    text_of = {d.id: d.text for d in load_docs(lib, ids)}
    texts = [_AUTHOR.sub(" ", text_of.get(i, "")) for i in ids]
    words = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    tf = words.fit_transform(texts)
    vocab = np.array(words.get_feature_names_out())
    out = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if not len(members):
            continue
        weight = np.asarray(tf[members].mean(axis=0)).ravel()
        top: list[str] = []
        for j in np.argsort(-weight):
            term = str(vocab[j])
            if weight[j] <= 0 or len(top) == 3:
                break
            if not any(term in t or t in term for t in top):
                top.append(term)
        out.append(Cluster(" · ".join(top) or "misc", tuple(ids[m] for m in members)))
    # Biggest first; ties by label, then by their first paper, so the numbering
    # ``readinglist clusters`` prints (and ``dismiss --topic N`` reads) is the same on every run.
    out.sort(key=lambda c: (-len(c.paper_ids), c.label, min(c.paper_ids)))
    return out
