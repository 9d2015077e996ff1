"""The keep model and one model per tag: class-balanced logistic regressions over TF-IDF rows,
sentence vectors, or both side by side (each part has unit rows, so neither dominates)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readinglist.recommend import features as feat
from readinglist.recommend.corpus import WEAK_AFTER_DAYS, WEAK_NEGATIVE_RATIO, Doc
from readinglist.recordtype import replace

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import scipy.sparse as sp

KEEP = "\x00keep"  # the name of the keep model beside the tag models
MODES = ("tfidf", "embed", "both")
MIN_KEPT = 5  # below this many kept papers, For you falls back to upvotes
MIN_TAGGED = 2  # a tag needs this many papers before it is suggested
C = 4.0  # logistic regression
C_SVM = 0.5  # linear SVM
SOLVER = "svm"
MAX_WEAK = 5000  # weak negatives for the keep model, at most
MAX_TAG_NEGATIVES = 3000  # other kept and dismissed papers a tag model contrasts with, at most
MAX_TAG_WEAK = 500  # and untouched feed papers
MODEL_FILE = "model.npz"
FORMAT = 2
# What a cached model was trained with: a model on disk made another way is trained again.
RECIPE = f"{FORMAT}-{SOLVER}-{C}-{C_SVM}-{MAX_WEAK}-{MAX_TAG_NEGATIVES}-{MAX_TAG_WEAK}"


@dataclass
class Models:
    """Linear scores for several targets at once: ``X @ w_text + V @ w_vec + b``."""

    names: list[str]  # KEEP (if trained) and tag names
    mode: str
    idf: npt.NDArray[np.float32]
    w_text: sp.csr_matrix  # N_FEATURES x len(names)
    w_vec: npt.NDArray[np.float32]  # DIM x len(names) (0 rows when vectors are not used)
    b: npt.NDArray[np.float32]
    state: str = ""

    def decision(self, counts: sp.csr_matrix, vectors: npt.NDArray[np.float16]) -> npt.NDArray[np.float32]:
        import numpy as np

        out = np.zeros((counts.shape[0], len(self.names)), dtype=np.float32)
        if self.mode != "embed":
            x, _ = feat.tfidf(counts, self.idf)
            out += np.asarray((x @ self.w_text).todense(), dtype=np.float32)
        if self.mode != "tfidf" and self.w_vec.shape[0]:
            out += vectors.astype(np.float32) @ self.w_vec
        out += self.b
        return out

    def probability(self, counts: sp.csr_matrix, vectors: npt.NDArray[np.float16]) -> npt.NDArray[np.float32]:
        import numpy as np

        z = self.decision(counts, vectors)
        p: npt.NDArray[np.float32] = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return p

    @property
    def tags(self) -> list[str]:
        return [n for n in self.names if n != KEEP]

    @property
    def has_keep(self) -> bool:
        return KEEP in self.names


def _classifier() -> Any:
    if SOLVER == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=C_SVM, class_weight="balanced", tol=1e-3, max_iter=300)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=200)


def usable_mode(mode: str, f: feat.Features) -> str:
    return mode if f.has_vectors or mode == "tfidf" else "tfidf"


def _design(rows: npt.NDArray[np.int64], f: feat.Features, idf: Any, mode: str) -> Any:
    import numpy as np
    import scipy.sparse as sp

    parts = []
    if mode != "embed":
        parts.append(feat.tfidf(f.counts[rows], idf)[0])
    if mode != "tfidf":
        parts.append(sp.csr_matrix(f.vectors[rows].astype(np.float32)))
    return sp.hstack(parts, format="csr") if len(parts) > 1 else parts[0]


def train(
    docs: Sequence[Doc],
    f: feat.Features,
    *,
    mode: str = "both",
    train_mask: Sequence[bool] | None = None,
    seed: int = 0,
) -> Models:
    """Fit the keep model and the tag models on ``docs`` (those with ``train_mask`` set)."""
    import numpy as np
    import scipy.sparse as sp

    mode = usable_mode(mode, f)
    rng = np.random.default_rng(seed)
    use = np.ones(len(docs), bool) if train_mask is None else np.asarray(train_mask, bool)
    idx = np.arange(len(docs))
    kept = idx[use & np.array([d.kept for d in docs], bool)]
    dismissed = idx[use & np.array([d.dismissed for d in docs], bool)]
    listed = [d.first_date for n, d in enumerate(docs) if use[n] and d.feed_dates]
    settled = (max(listed) if listed else dt.date.max) - dt.timedelta(days=WEAK_AFTER_DAYS)
    untouched = idx[
        use & np.array([not d.kept and not d.dismissed and d.first_date <= settled for d in docs], bool)
    ]

    def weak(n: int) -> npt.NDArray[np.int64]:
        n = min(len(untouched), n)
        return rng.choice(untouched, size=n, replace=False) if n else untouched[:0]

    targets: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    if len(kept) >= MIN_KEPT and (len(dismissed) or len(untouched)):
        neg = np.concatenate([dismissed, weak(min(MAX_WEAK, WEAK_NEGATIVE_RATIO * len(kept)))])
        targets.append((KEEP, kept, neg))
    by_tag: dict[str, list[int]] = {}
    for i in kept:
        for t in docs[i].tags:
            by_tag.setdefault(t, []).append(int(i))
    tag_weak = weak(min(MAX_TAG_WEAK, len(kept)))
    for tag in sorted(by_tag):
        pos = np.array(by_tag[tag], dtype=np.int64)
        if len(pos) < MIN_TAGGED:
            continue
        others = np.concatenate([np.setdiff1d(kept, pos), dismissed])
        if len(others) > MAX_TAG_NEGATIVES:  # a sample is as good a contrast, and much faster
            others = rng.choice(others, size=MAX_TAG_NEGATIVES, replace=False)
        neg = np.concatenate([others, tag_weak])
        if len(neg):
            targets.append((tag, pos, neg))

    rows = np.unique(np.concatenate([np.concatenate([p, n]) for _, p, n in targets])) if targets else idx[:0]
    idf = feat.idf_of(f.counts) if mode != "embed" else np.zeros(feat.N_FEATURES, np.float32)
    n_text = 0 if mode == "embed" else feat.N_FEATURES
    dim = f.vectors.shape[1] if mode != "tfidf" else 0
    names: list[str] = []
    w_rows: list[Any] = []
    w_cols: list[Any] = []
    w_vals: list[Any] = []
    bias: list[float] = []
    if len(rows):
        x = _design(rows, f, idf, mode)
        # liblinear's time grows with the number of columns: fit on the ones in use only.
        active = np.unique(x.indices)
        x = x[:, active]

        def fit(target: tuple[str, Any, Any]) -> tuple[Any, float]:
            _, pos, neg = target
            sel = np.searchsorted(rows, np.concatenate([pos, neg]))
            y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
            clf = _classifier()
            clf.fit(x[sel], y)
            return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])

        # liblinear releases the GIL: the models train side by side on the cores there are.
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            fitted = list(pool.map(fit, targets))
        for (name, _, _), (coef, intercept) in zip(targets, fitted, strict=True):
            w_rows.append(active)
            w_cols.append(np.full(len(active), len(names)))
            w_vals.append(coef)
            names.append(name)
            bias.append(intercept)
    r = np.concatenate(w_rows) if w_rows else np.zeros(0, np.int64)
    c = np.concatenate(w_cols) if w_cols else np.zeros(0, np.int64)
    v = np.concatenate(w_vals) if w_vals else np.zeros(0, np.float32)
    text = r < n_text
    w_text = sp.csr_matrix(
        (v[text], (r[text], c[text])), shape=(feat.N_FEATURES, len(names)), dtype=np.float32
    )
    w_vec = np.zeros((dim, len(names)), np.float32)
    w_vec[r[~text] - n_text, c[~text]] = v[~text]
    return Models(names, mode, idf, w_text, w_vec, np.array(bias, np.float32))


PA_C = 1.0  # the largest step one changed paper may take (passive-aggressive, PA-I)


def nudged(m: Models, f: feat.Features, steps: Sequence[tuple[int, str, float]]) -> Models:
    """``m`` after one passive-aggressive step (PA-I, Crammer et al. 2006) per ``(row, target,
    label ±1)``: the least change of the weights that puts each changed paper on its label's side
    of the target's margin, capped at :data:`PA_C`. This is what a save or a tag costs at once
    (milliseconds); the exact fit comes from training again, in the background.

    Margins are taken from ``m`` as given (the steps do not see each other), and targets
    ``m`` has no model for are skipped: a tag's first model needs a training."""
    import numpy as np
    import scipy.sparse as sp

    steps = [(r, name, y) for r, name, y in steps if name in m.names]
    if not steps:
        return m
    rows = sorted({r for r, _, _ in steps})
    at = {r: k for k, r in enumerate(rows)}
    z = m.decision(f.counts[rows], f.vectors[rows])
    xt = feat.tfidf(f.counts[rows], m.idf)[0] if m.mode != "embed" else None
    use_vec = m.mode != "tfidf" and m.w_vec.shape[0] > 0
    w_vec = m.w_vec.copy()
    b = m.b.copy()
    add_r: list[Any] = []
    add_c: list[Any] = []
    add_v: list[Any] = []
    for row, name, y in steps:
        j, k = m.names.index(name), at[row]
        loss = max(0.0, 1.0 - y * float(z[k, j]))
        if loss == 0.0:
            continue
        sq = 1.0  # the bias is a feature that is always 1
        if xt is not None:
            data, idx = xt.data[xt.indptr[k] : xt.indptr[k + 1]], xt.indices[xt.indptr[k] : xt.indptr[k + 1]]
            sq += float(data @ data)
        if use_vec:
            v = f.vectors[row].astype(np.float32)
            sq += float(v @ v)
        tau = min(PA_C, loss / sq) * y
        if xt is not None:
            add_r.append(idx)
            add_c.append(np.full(len(idx), j))
            add_v.append(tau * data)
        if use_vec:
            w_vec[:, j] += tau * v
        b[j] += tau
    w_text = m.w_text
    if add_r:
        delta = sp.csr_matrix(
            (np.concatenate(add_v), (np.concatenate(add_r), np.concatenate(add_c))),
            shape=m.w_text.shape,
            dtype=np.float32,
        )
        w_text = (m.w_text + delta).tocsr()
    return replace(m, w_text=w_text, w_vec=w_vec, b=b.astype(np.float32), state="")


def save(path: Path, m: Models) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(fd)
    try:
        w = m.w_text.tocsc()
        np.savez(
            tmp, format=np.int64(FORMAT), names=json.dumps(m.names), mode=m.mode, state=m.state, idf=m.idf,
            w_data=w.data, w_indices=w.indices, w_indptr=w.indptr, w_vec=m.w_vec, b=m.b,
        )  # fmt: skip
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load(path: Path) -> Models | None:
    import numpy as np
    import scipy.sparse as sp

    try:
        with np.load(path, allow_pickle=False) as z:
            if int(z["format"]) != FORMAT:
                return None
            names = json.loads(str(z["names"]))
            w = sp.csc_matrix(
                (z["w_data"], z["w_indices"], z["w_indptr"]), shape=(feat.N_FEATURES, len(names))
            ).tocsr()
            return Models(names, str(z["mode"]), z["idf"], w, z["w_vec"], z["b"], str(z["state"]))
    except (OSError, ValueError, KeyError):
        return None
