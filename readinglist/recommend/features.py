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
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readinglist.recommend import embed
from readinglist.recommend.corpus import Doc
from readinglist.recordtype import replace

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import scipy.sparse as sp

N_FEATURES = 2**20
FILE = "features.npz"
FORMAT = 2  # 2: text digests by CRC-32 + Adler-32


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


# -- the store: a base file and append-only segments -------------------------------------------
#
# Rewriting 100k papers' features (about 170 MB) for one new paper took seconds, so new rows go
# to a small segment file of their own (``features-0001.npz``, ...). The store is the base rows
# followed by every segment's rows; a paper edited since keeps its old row until the store is
# compacted (rewritten as one base file), which happens once the segments or the rows no paper
# uses any more pass a share of the base. A process keeps the store it last read or wrote and
# reuses it while the files on disk are the ones it knows.

SEGMENT_GLOB = "features-*.npz"
MAX_SEGMENTS = 32
COMPACT_SHARE = 0.1  # compact when unused rows or segment rows pass this share of the store


@dataclass
class _Store:
    features: Features
    known: dict[tuple[int, str], int]  # (paper id, text digest) -> row in the store
    stamp: tuple[tuple[str, int, int], ...]  # the files it was read from: name, size, mtime
    segment_rows: int = 0


_memo: dict[Path, _Store] = {}
_lock = threading.Lock()  # one update at a time in a process (the GUI's lanes, the CLI)


def _files(folder: Path) -> list[Path]:
    base = folder / FILE
    return ([base] if base.exists() else []) + sorted(folder.glob(SEGMENT_GLOB))


def _stamp(files: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((p.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _stack(parts: Sequence[Features]) -> Features:
    import numpy as np
    import scipy.sparse as sp

    if len(parts) == 1:
        return parts[0]
    return Features(
        np.concatenate([p.ids for p in parts]),
        np.concatenate([p.digests for p in parts]),
        sp.vstack([p.counts for p in parts], format="csr"),
        np.vstack([p.vectors for p in parts]),
    )


def _keys(f: Features) -> dict[tuple[int, str], int]:
    return {
        (int(i), str(g)): n for n, (i, g) in enumerate(zip(f.ids.tolist(), f.digests.tolist(), strict=True))
    }


def _open_store(folder: Path, with_vectors: bool) -> _Store | None:
    files = _files(folder)
    stamp = _stamp(files)
    memo = _memo.get(folder)
    if memo is not None and memo.stamp == stamp and memo.features.has_vectors == with_vectors:
        return memo
    parts = [f for f in map(_load, files) if f is not None]
    if len(parts) != len(files) or not parts or files[0].name != FILE:
        return None  # a damaged or partial store is rebuilt
    if any(p.has_vectors != with_vectors for p in parts):
        return None
    features = _stack(parts)
    store = _Store(features, _keys(features), stamp, sum(len(p.ids) for p in parts[1:]))
    _memo[folder] = store
    return store


def _write_base(folder: Path, f: Features) -> _Store:
    _save(folder / FILE, f)
    for seg in folder.glob(SEGMENT_GLOB):
        seg.unlink(missing_ok=True)
    store = _Store(f, _keys(f), _stamp(_files(folder)))
    _memo[folder] = store
    return store


def _append(folder: Path, store: _Store, fresh: Features) -> _Store:
    segments = sorted(folder.glob(SEGMENT_GLOB))
    last = int(segments[-1].stem.rsplit("-", 1)[1]) if segments else 0
    _save(folder / f"features-{last + 1:04d}.npz", fresh)
    n = len(store.features.ids)
    known = store.known
    known.update({k: n + r for k, r in _keys(fresh).items()})
    grown = _Store(
        _stack([store.features, fresh]), known, _stamp(_files(folder)), store.segment_rows + len(fresh.ids)
    )
    _memo[folder] = grown
    return grown


def compute(docs: Sequence[Doc], *, with_vectors: bool) -> Features:
    import numpy as np
    import scipy.sparse as sp

    if any(not d.text for d in docs):
        raise ValueError("the features of a paper loaded without its text (load_docs(with_text=False))")
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
    root: Path,
    docs: Sequence[Doc],
    *,
    progress: Callable[[int, int], None] | None = None,
    reread: Callable[[list[int]], list[Doc]] | None = None,
) -> Features:
    """The features of ``docs`` (in their order), computing only what the cache lacks; papers
    to compute that were loaded without their text are read again by ``reread`` (ids to docs
    with text)."""
    with _lock:
        return _update(root, docs, progress, reread)


def _update(
    root: Path,
    docs: Sequence[Doc],
    progress: Callable[[int, int], None] | None,
    reread: Callable[[list[int]], list[Doc]] | None,
) -> Features:
    import numpy as np

    folder = cache_dir(root)
    with_vectors = embed.available()
    store = _open_store(folder, with_vectors)
    known = store.known if store is not None else {}
    rows = [known.get((d.id, d.digest)) for d in docs]
    missing = [d for d, r in zip(docs, rows, strict=True) if r is None]
    lacking = [d.id for d in missing if not d.text]
    if lacking and reread is not None:
        full = {d.id: d for d in reread(lacking)}
        # A paper deleted meanwhile gets empty features under a digest no text has, so they are
        # never taken for its own should an undo bring it back.
        missing = [d if d.text else full.get(d.id) or replace(d, text=" ", digest="deleted") for d in missing]
    if missing:
        parts = []
        step = 2000
        for i in range(0, len(missing), step):
            parts.append(compute(missing[i : i + step], with_vectors=with_vectors))
            if progress:
                progress(min(i + step, len(missing)), len(missing))
        fresh = _stack(parts)
        n = 0 if store is None else len(store.features.ids)
        at = {d.id: n + k for k, d in enumerate(missing)}
        rows = [r if r is not None else at[d.id] for d, r in zip(docs, rows, strict=True)]
        folder.mkdir(parents=True, exist_ok=True)
        store = _write_base(folder, fresh) if store is None else _append(folder, store, fresh)
    assert store is not None or not docs
    if store is None:
        return Features(
            np.zeros(0, np.int64), np.zeros(0, "<U16"), _empty_counts(), np.zeros((0, 0), np.float16)
        )
    order = np.asarray(rows, dtype=np.int64)
    whole = store.features
    if len(order) == len(whole.ids) and np.array_equal(order, np.arange(len(order))):
        result = whole  # the store is in the docs' order: no copy
    else:
        result = Features(whole.ids[order], whole.digests[order], whole.counts[order], whole.vectors[order])
    unused = len(whole.ids) - len(set(rows))
    if len(_files(folder)) - 1 > MAX_SEGMENTS or max(unused, store.segment_rows) > COMPACT_SHARE * max(
        len(whole.ids), 1
    ):
        _write_base(folder, result)
    return result


def _empty_counts() -> sp.csr_matrix:
    import numpy as np
    import scipy.sparse as sp

    return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)


def tfidf(counts: sp.csr_matrix, idf: npt.NDArray[np.float32] | None = None) -> tuple[sp.csr_matrix, Any]:
    """Sublinear-tf TF-IDF with unit rows; the idf is fitted on ``counts`` unless given."""
    import scipy.sparse as sp

    if idf is None:
        idf = idf_of(counts)
    x = sp.csr_matrix(
        (_weights(counts, idf), counts.indices.copy(), counts.indptr.copy()), shape=counts.shape
    )
    return unit_rows(x), idf


def tfidf_view(counts: sp.csr_matrix, idf: npt.NDArray[np.float32]) -> sp.csr_matrix:
    """:func:`tfidf` sharing ``counts``' index arrays (its own values only: 41 MB at 100k papers
    where a copy is 87). For products only: sorting its indices in place would scramble
    ``counts``."""
    import scipy.sparse as sp

    return unit_rows(
        sp.csr_matrix((_weights(counts, idf), counts.indices, counts.indptr), shape=counts.shape)
    )


def _weights(counts: sp.csr_matrix, idf: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    import numpy as np

    w: npt.NDArray[np.float32] = np.log(counts.data)
    w += 1.0
    w *= idf[counts.indices]
    return w


def idf_of(counts: sp.csr_matrix) -> npt.NDArray[np.float32]:
    """Smoothed inverse document frequency of every hashed term over ``counts``' rows."""
    import numpy as np

    df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float32)
    idf: npt.NDArray[np.float32] = (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


def unit_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row of ``x`` (in place) to unit length; empty rows stay empty."""
    import numpy as np

    # Summed per row by reduceat over the rows that have values (for an empty row reduceat
    # would give the next row's first value), in float32: a row index per value (int64) and
    # float64 sums would need 4 more bytes per value, 250 MB at once at 100k papers.
    lengths = np.diff(x.indptr)
    filled = lengths > 0
    sums = np.zeros(x.shape[0], dtype=np.float32)
    if filled.any():
        sums[filled] = np.add.reduceat(np.square(x.data), x.indptr[:-1][filled])
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, lengths)
    return x
