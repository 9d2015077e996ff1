"""Per-paper features, computed once and cached under the library folder.

Two kinds, both stored per paper and keyed by a hash of the paper's text, so only new or
edited papers are ever computed again:

- hashed word 1-2 gram counts (``HashingVectorizer``, no vocabulary to keep in step); the
  TF-IDF weighting (sublinear tf, idf over the library, unit rows) is applied when a model is
  built, in a few vectorised steps;
- WordLlama sentence vectors (256 float16 each, about 51 MB for 100k papers), when the
  embedding model is installed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readinglist.recommend import embed
from readinglist.recommend.corpus import Doc

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import scipy.sparse as sp

N_FEATURES = 2**20
FILE = "features.npz"
FORMAT = 1


def cache_dir(root: Path) -> Path:
    return root / "cache" / "recommend"


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=N_FEATURES,
        ngram_range=(1, 2),
        stop_words="english",
        alternate_sign=False,
        norm=None,
        dtype=__import__("numpy").float32,
    )


@dataclass
class Features:
    """Rows in the order of ``ids``: raw counts (CSR) and unit vectors (or no columns)."""

    ids: npt.NDArray[np.int64]
    digests: npt.NDArray[np.str_]
    counts: sp.csr_matrix
    vectors: npt.NDArray[np.float16]

    def index(self) -> dict[int, int]:
        return {int(i): n for n, i in enumerate(self.ids)}

    @property
    def has_vectors(self) -> bool:
        return bool(self.vectors.shape[1] > 0)


def _load(path: Path) -> Features | None:
    import numpy as np
    import scipy.sparse as sp

    try:
        with np.load(path, allow_pickle=False) as z:
            if int(z["format"]) != FORMAT:
                return None
            counts = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(len(z["ids"]), N_FEATURES))
            return Features(z["ids"], z["digests"], counts, z["vectors"])
    except (OSError, ValueError, KeyError):
        return None  # a missing or damaged cache is rebuilt


def _save(path: Path, f: Features) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(
            tmp,
            format=np.int64(FORMAT),
            ids=f.ids,
            digests=f.digests,
            data=f.counts.data,
            indices=f.counts.indices,
            indptr=f.counts.indptr,
            vectors=f.vectors,
        )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def compute(docs: Sequence[Doc], *, with_vectors: bool) -> Features:
    import numpy as np
    import scipy.sparse as sp

    texts = [d.text for d in docs]
    counts = sp.csr_matrix(_vectorizer().transform(texts), dtype=np.float32)
    vectors = embed.embed(texts) if with_vectors else np.zeros((len(docs), 0), dtype=np.float16)
    return Features(
        np.array([d.id for d in docs], dtype=np.int64),
        np.array([d.digest for d in docs], dtype="<U16"),
        counts,
        vectors,
    )


def update(
    root: Path, docs: Sequence[Doc], *, progress: Callable[[int, int], None] | None = None
) -> Features:
    """The features of ``docs`` (in their order), computing only what the cache lacks."""
    import numpy as np
    import scipy.sparse as sp

    path = cache_dir(root) / FILE
    with_vectors = embed.available()
    cached = _load(path)
    if cached is not None and cached.has_vectors != with_vectors:
        cached = None
    known: dict[tuple[int, str], int] = {}
    if cached is not None:
        known = {(int(i), str(g)): n for n, (i, g) in enumerate(zip(cached.ids, cached.digests, strict=True))}
    rows = [known.get((d.id, d.digest)) for d in docs]
    missing = [d for d, r in zip(docs, rows, strict=True) if r is None]
    stale = cached is None or len(known) != len(docs) or bool(missing)
    if not stale and cached is not None and [int(i) for i in cached.ids] == [d.id for d in docs]:
        return cached
    fresh: Features | None = None
    if missing:
        parts = []
        step = 2000
        for i in range(0, len(missing), step):
            parts.append(compute(missing[i : i + step], with_vectors=with_vectors))
            if progress:
                progress(min(i + step, len(missing)), len(missing))
        fresh = Features(
            np.concatenate([p.ids for p in parts]),
            np.concatenate([p.digests for p in parts]),
            sp.vstack([p.counts for p in parts], format="csr"),
            np.vstack([p.vectors for p in parts]),
        )
    # Assemble in the order of docs: cached rows first in the stack, fresh rows after them.
    n_cached = 0 if cached is None else len(cached.ids)
    fresh_at = {d.id: n for n, d in enumerate(missing)}
    order = np.array(
        [r if r is not None else n_cached + fresh_at[d.id] for d, r in zip(docs, rows, strict=True)],
        dtype=np.int64,
    )
    stacks = [f for f in (cached, fresh) if f is not None]
    counts = sp.vstack([f.counts for f in stacks], format="csr")[order] if stacks else _empty_counts()
    vectors = np.vstack([f.vectors for f in stacks])[order] if stacks else np.zeros((0, 0), np.float16)
    result = Features(
        np.array([d.id for d in docs], dtype=np.int64),
        np.array([d.digest for d in docs], dtype="<U16"),
        counts,
        vectors,
    )
    _save(path, result)
    return result


def _empty_counts() -> sp.csr_matrix:
    import numpy as np
    import scipy.sparse as sp

    return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)


def tfidf(counts: sp.csr_matrix, idf: npt.NDArray[np.float32] | None = None) -> tuple[sp.csr_matrix, Any]:
    """Sublinear-tf TF-IDF with unit rows; the idf is fitted on ``counts`` unless given."""
    import numpy as np

    x = counts.copy()
    if idf is None:
        idf = idf_of(counts)
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    return unit_rows(x), idf


def idf_of(counts: sp.csr_matrix) -> npt.NDArray[np.float32]:
    """Smoothed inverse document frequency of every hashed term over ``counts``' rows."""
    import numpy as np

    df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float32)
    idf: npt.NDArray[np.float32] = (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


def unit_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row of ``x`` (in place) to unit length; empty rows stay empty."""
    import numpy as np

    lengths = np.diff(x.indptr)
    row_of = np.repeat(np.arange(x.shape[0]), lengths)
    norms = np.sqrt(np.bincount(row_of, weights=x.data * x.data, minlength=x.shape[0])).astype(np.float32)
    norms[norms == 0] = 1.0
    x.data /= norms[row_of]
    return x
