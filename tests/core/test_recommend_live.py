"""For you after a change: a save or a tag reaches the models at once (a passive-aggressive
step), the exact models follow from a background build, and changes it cannot follow paper by
paper (made by another process, a deleted paper, a renamed tag) get a full build."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from readinglist.recommend import live
from readinglist.recommend import model as mdl
from readinglist.recommend.service import Recommender
from readinglist.services import papers, tagging
from readinglist.services.library import Library
from tests import recommend_fixture as fx

DEAD = fx.DEAD


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    fx.refuse_connections(monkeypatch)


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("live") / "lib"
    lib = Library.open(root, DEAD)
    try:
        fx.build(lib, later=False)
        Recommender.build(lib)  # the feature and model caches, copied with the library
    finally:
        lib.close()
    return root


@pytest.fixture
def lib(judged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.setattr(live, "QUIET_S", 0.05)
    root = tmp_path / "lib"
    shutil.copytree(judged, root)
    lib = Library.open(root, DEAD)
    yield lib
    assert live.settle(lib)
    lib.close()


def _decision(rec: Recommender, pid: int, target: str) -> float:
    row = rec.at[pid]
    z = rec.models.decision(rec.f.counts[[row]], rec.f.vectors[[row]])
    return float(z[0, rec.models.names.index(target)])


def test_a_save_moves_the_keep_model_at_once_and_a_background_build_makes_it_exact(lib: Library) -> None:
    before = live.current(lib)
    assert live.current(lib) is before  # nothing changed: the same object, no fingerprint read
    pid = lib.resolve("2608.15502")  # a later paper the user has not judged
    assert not before.docs[before.at[pid]].kept
    z0 = _decision(before, pid, mdl.KEEP)

    papers.save(lib, [pid])
    nudged = live.current(lib)

    assert nudged is not before
    assert nudged.docs[nudged.at[pid]].kept and pid in {nudged.docs[r].id for r in nudged.kept_rows}
    assert nudged.models.state == ""  # nudged in memory, not trained
    assert _decision(nudged, pid, mdl.KEEP) > z0
    # The other papers' rows and the untouched models' weights are reused, not rebuilt.
    assert nudged.f.counts.shape == before.f.counts.shape

    assert live.settle(lib)
    exact = live.current(lib)
    assert exact.models.state != "" and exact is not nudged
    fresh = Recommender.build(lib)
    ids = [d.id for d in fresh.docs]
    got = [(it.paper_id, round(it.score, 5)) for it in exact.rank(ids).items]
    assert got == [(it.paper_id, round(it.score, 5)) for it in fresh.rank(ids).items]


def test_a_tag_moves_that_tags_model_towards_the_paper(lib: Library) -> None:
    rec = live.current(lib)
    pid = lib.resolve("2510.05512")  # a later vision paper
    z0 = _decision(rec, pid, "reasoning")

    papers.tag(lib, [pid], ["reasoning"])
    nudged = live.current(lib)

    assert nudged.docs[nudged.at[pid]].tags == ("reasoning",)
    assert _decision(nudged, pid, "reasoning") > max(z0, 0.0)  # now on the tag's side
    assert nudged.models.state == ""

    papers.tag(lib, [pid], ["reasoning"], remove=True)
    again = live.current(lib)
    assert _decision(again, pid, "reasoning") < _decision(nudged, pid, "reasoning")


def test_a_change_by_another_process_is_found_by_the_fingerprint(lib: Library) -> None:
    rec = live.current(lib)
    other = Library.open(lib.root, DEAD)  # its changes do not reach this module's listener
    try:
        pid = other.resolve("2608.17019")
        papers.star(other, [pid])
    finally:
        other.close()
    after = live.current(lib)
    assert after is not rec and after.models.state != ""  # a full build
    assert after.docs[after.at[pid]].kept


def test_a_deleted_paper_and_a_renamed_tag_get_a_full_build(lib: Library) -> None:
    live.current(lib)
    gone = lib.resolve("2608.17765")
    papers.delete_papers(lib, [gone])
    rec = live.current(lib)
    assert gone not in rec.at and rec.models.state != ""

    tagging.rename(lib, "vision", "computer-vision")
    rec = live.current(lib)
    assert rec.models.state != ""
    assert "computer-vision" in rec.models.tags and "vision" not in rec.models.tags


def test_nudging_moves_only_the_targets_named() -> None:
    import scipy.sparse as sp

    from readinglist.recommend import features as feat

    counts = sp.csr_matrix(
        (np.array([2.0, 1.0, 3.0], np.float32), (np.array([0, 0, 1]), np.array([5, 9, 9]))),
        shape=(2, feat.N_FEATURES),
    )
    f = feat.Features(
        ids=np.array([1, 2]),
        digests=np.array(["a", "b"]),
        counts=counts,
        vectors=np.zeros((2, 0), np.float16),
    )
    idf = np.ones(feat.N_FEATURES, np.float32)
    w = sp.csr_matrix((feat.N_FEATURES, 2), dtype=np.float32)
    m = mdl.Models(["a", "b"], "tfidf", idf, w, np.zeros((0, 2), np.float32), np.zeros(2, np.float32), "s")

    out = mdl.nudged(m, f, [(0, "a", 1.0), (1, "missing", 1.0)])

    z = out.decision(counts, f.vectors)
    assert z[0, 0] == pytest.approx(1.0)  # PA-I: exactly onto the margin (the step is under PA_C)
    assert z[0, 1] == 0.0 and z[1, 1] == 0.0  # target b untouched
    assert out.state == "" and m.w_text.nnz == 0  # the original is not modified
