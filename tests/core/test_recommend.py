"""For you on the recorded days: a user who tagged papers by topic in 2024 gets the later days
ranked by those topics, tags suggested and similar papers found, all offline."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from readinglist.recommend import corpus, embed, evaluate, features
from readinglist.recommend.service import Recommender
from readinglist.records import PaperFilter
from readinglist.recordtype import replace
from readinglist.services import papers
from readinglist.services.library import Library
from tests import recommend_fixture as fx

DEAD = fx.DEAD


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    fx.refuse_connections(monkeypatch)


def _built(root: Path, *, later: bool) -> Path:
    lib = Library.open(root, DEAD)
    try:
        fx.build(lib, later=later)
    finally:
        lib.close()
    return root


@pytest.fixture(scope="module")
def judged_2024(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the 2024 papers are judged: the later days are new to the user."""
    return _built(tmp_path_factory.mktemp("rec") / "lib2024", later=False)


@pytest.fixture(scope="module")
def judged_all(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every paper is judged, so an evaluation can hold the later days out."""
    return _built(tmp_path_factory.mktemp("rec") / "liball", later=True)


@pytest.fixture
def lib2024(judged_2024: Path, tmp_path: Path) -> Iterator[Library]:
    root = tmp_path / "lib"
    shutil.copytree(judged_2024, root)
    lib = Library.open(root, DEAD)
    yield lib
    lib.close()


cli = fx.cli


def test_the_embedding_model_is_in_the_wheel_and_loads_offline() -> None:
    assert embed.available()
    v = embed.embed(["video diffusion models", "diffusion models for video", "bird song segmentation"])
    assert v.shape == (3, embed.DIM)
    sims = v.astype("f4") @ v.astype("f4").T
    assert sims[0, 1] > sims[0, 2]


def test_for_you_beats_upvotes_on_held_out_days(judged_all: Path) -> None:
    lib = Library.open(judged_all, DEAD)
    try:
        docs = corpus.load_docs(lib)
        f = features.update(lib.root, docs)
    finally:
        lib.close()
    result = evaluate.evaluate(docs, f)
    assert result["split_date"] == "2025-10-08" and result["n_test"] == 9
    both = result["by_features"]["both"]  # type: ignore[index]
    upvotes = result["upvotes"]
    assert both["tag_precision_at_1"] >= 0.7
    assert both["auc"] >= 0.8
    assert both["auc"] > upvotes["auc"]  # type: ignore[index]
    assert both["ndcg_at_10"] > upvotes["ndcg_at_10"]  # type: ignore[index]


def test_recommend_ranks_the_users_topics_first_with_reasons(
    judged_2024: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(judged_2024, capsys, "recommend", "--date", "2026-08-19", "--format", "json")
    assert code == 0, err
    items = json.loads(out)
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert items[-1]["arxiv_id"] == "2608.15502"  # KV caches: the topic this user dismisses
    assert all(i["reasons"] and i["reasons"][-1].startswith("like “") for i in items)
    assert {"title", "authors", "upvotes", "feed_dates"} <= set(items[0])
    code, out, _ = cli(judged_2024, capsys, "recommend", "--date", "2026-08-19", "--limit", "2")
    assert code == 0 and len([ln for ln in out.splitlines() if ln[:5].strip()]) == 2


def test_too_few_kept_papers_fall_back_to_upvotes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = Library.open(tmp_path / "lib", DEAD)
    fx.ingest_days(lib)
    papers.save(lib, [lib.resolve("2405.20204"), lib.resolve("2510.04417")])
    lib.close()
    code, out, err = cli(tmp_path / "lib", capsys, "recommend", "--date", "2025-10-08", "--format", "json")
    assert code == 0
    assert [i["upvotes"] for i in json.loads(out)] == [44, 31, 19, 8, 0]
    assert "at least 5 papers you keep" in err and "you have 2" in err


def test_suggest_tags_puts_the_topic_first(judged_2024: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect = {"2510.04417": "retrieval", "2510.05512": "vision", "2608.16230": "vision"}
    for arxiv_id, tag in expect.items():
        code, out, _ = cli(judged_2024, capsys, "suggest-tags", arxiv_id, "--format", "json")
        got = json.loads(out)
        assert code == 0 and got[0]["tag"] == tag, (arxiv_id, got)
        assert got == sorted(got, key=lambda g: -g["confidence"])
        assert all(0.0 <= g["confidence"] <= 1.0 for g in got)
    code, out, _ = cli(judged_2024, capsys, "suggest-tags", "2405.20204", "--format", "json")
    assert "retrieval" not in [g["tag"] for g in json.loads(out)]  # it has the tag already


def test_similar_finds_the_other_contrastive_retrieval_paper(
    judged_2024: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(judged_2024, capsys, "similar", "2405.20204", "--limit", "3", "--format", "json")
    got = json.loads(out)
    assert code == 0 and len(got) == 3
    assert got[0]["arxiv_id"] == "2510.04417"
    assert "2405.20204" not in [g["arxiv_id"] for g in got]
    code, _, err = cli(judged_2024, capsys, "similar", "2405.99999")
    assert code == 1 and err.startswith("error:")


@pytest.mark.parametrize("mode", ["tfidf", "embed", "both"])
def test_the_lean_similarity_to_every_paper_equals_the_plain_cosines(lib2024: Library, mode: str) -> None:
    """Every paper's side is kept without copies (shared indices, float16 vectors cast a block
    at a time, blocks smaller than the library here); the cosines are those of the copies."""
    import numpy as np

    from readinglist.recommend import service

    rec = Recommender.build(lib2024, mode=mode)
    assert rec.models.mode == mode
    rows = np.array([0, 3, len(rec.docs) - 1])
    counts = rec.f.counts.copy()
    lean = rec._similarity(rows)
    assert rec._cosines(rows, rec._side(None)) == pytest.approx(lean, abs=1e-5)
    assert lean[np.arange(3), rows] == pytest.approx(1.0, abs=1e-3)  # each paper is itself
    v = rec.f.vectors
    assert service._dot_blocks(v[:2].astype("f4"), v, step=3) == pytest.approx(
        v[:2].astype("f4") @ v.astype("f4").T, abs=1e-5
    )
    assert (rec.f.counts != counts).nnz == 0  # the shared indices were not touched


def test_unit_rows_scales_each_row_and_leaves_empty_ones_empty() -> None:
    import numpy as np
    import scipy.sparse as sp

    dense = np.array([[0, 0, 0], [3, 4, 0], [0, 0, 0], [0, 2, 0], [1, 1, 1], [0, 0, 0]], dtype=np.float32)
    got = features.unit_rows(sp.csr_matrix(dense)).toarray()
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    assert got == pytest.approx(np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0))


def test_models_are_cached_until_the_library_changes(lib2024: Library) -> None:
    cache = features.cache_dir(lib2024.root)
    Recommender.build(lib2024)
    model_file = next(cache.glob("model-*.npz"))
    stamp = model_file.stat().st_mtime_ns
    Recommender.build(lib2024)
    assert model_file.stat().st_mtime_ns == stamp  # nothing changed: the model on disk is reused
    before = Recommender.build(lib2024).suggest_tags(lib2024.resolve("2608.17765"))
    papers.tag(lib2024, [lib2024.resolve("2608.17765"), lib2024.resolve("2509.26771")], ["agents"])
    rec = Recommender.build(lib2024)
    assert model_file.stat().st_mtime_ns != stamp
    assert "agents" in rec.models.tags and "agents" not in [t for t, _ in before]


def test_the_feature_cache_is_incremental_and_matches_a_fresh_computation(lib2024: Library) -> None:
    docs = corpus.load_docs(lib2024)
    first = features.update(lib2024.root, docs)
    fresh = features.compute(docs[:3], with_vectors=True)
    assert (first.counts[:3] != fresh.counts).nnz == 0
    assert abs(first.vectors[:3].astype("f4") - fresh.vectors.astype("f4")).max() < 1e-3
    # Drop two papers from the cache's view and reorder: rows still follow the docs given.
    again = features.update(lib2024.root, list(reversed(docs[2:])))
    assert [int(i) for i in again.ids] == [d.id for d in reversed(docs[2:])]
    assert (again.counts[-1] != first.counts[2]).nnz == 0


def test_evaluate_on_the_command_line(judged_all: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(judged_all, capsys, "recommend", "--evaluate", "--format", "json")
    assert code == 0, err
    got = json.loads(out)
    for key in ("tag_precision_at_1", "tag_precision_at_3", "ndcg_at_10", "auc", "n_train", "n_test"):
        assert key in got
    assert set(got["by_features"]) == {"tfidf", "embed", "both"}
    code, out, _ = cli(judged_all, capsys, "recommend", "--evaluate")
    assert code == 0 and "upvotes" in out and "tag P@1" in out


def test_an_evaluation_needs_two_days_of_judgements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = Library.open(tmp_path / "lib", DEAD)
    fx.ingest_days(lib)
    papers.save(lib, [lib.resolve("2405.20204")])
    lib.close()
    code, _, err = cli(tmp_path / "lib", capsys, "recommend", "--evaluate")
    assert code == 1 and "two different days" in err


def test_clusters_of_a_day_cover_each_paper_once_with_labels(
    judged_2024: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        judged_2024, capsys, "clusters", "--date", "2024-05-31", "-k", "3", "--format", "json"
    )
    assert code == 0, err
    groups = json.loads(out)
    assert len(groups) == 3 and all(g["label"] and g["papers"] for g in groups)
    ids = [p["arxiv_id"] for g in groups for p in g["papers"]]
    assert sorted(ids) == sorted(
        ["2405.20204", "2405.19107", "2405.20341", "2405.19988", "2405.20077", "2405.18702"]
    )
    assert [len(g["papers"]) for g in groups] == sorted((len(g["papers"]) for g in groups), reverse=True)
    assert not any("au_" in g["label"] for g in groups)  # author tokens never label a topic


def test_new_papers_append_a_segment_and_a_damaged_segment_is_rebuilt(lib2024: Library) -> None:
    docs = corpus.load_docs(lib2024)
    folder = features.cache_dir(lib2024.root)
    for old in folder.glob("features*.npz"):  # the library is shared by this module's tests
        old.unlink()
    features._memo.clear()
    features.update(lib2024.root, docs[:-1])
    base = folder / features.FILE
    stamp = base.stat().st_mtime_ns
    grown = features.update(lib2024.root, docs)
    segments = sorted(folder.glob(features.SEGMENT_GLOB))
    assert [p.name for p in segments] == ["features-0001.npz"] and base.stat().st_mtime_ns == stamp
    fresh = features.compute(docs[-1:], with_vectors=True)
    assert (grown.counts[-1] != fresh.counts[0]).nnz == 0 and [int(i) for i in grown.ids] == [
        d.id for d in docs
    ]
    features._memo.clear()  # another process: the store is read back from the files
    again = features.update(lib2024.root, docs)
    assert (again.counts != grown.counts).nnz == 0 and (again.vectors == grown.vectors).all()
    segments[0].write_bytes(b"not a numpy file")
    features._memo.clear()
    rebuilt = features.update(lib2024.root, docs)
    assert (rebuilt.counts != grown.counts).nnz == 0
    assert not list(folder.glob(features.SEGMENT_GLOB))  # rebuilt as one base file


def test_the_recommender_keeps_no_texts_and_reads_them_again_for_features_it_lacks(lib2024: Library) -> None:
    """At 100k papers the texts were 130 MB of the open window: the recommender keeps digests
    only, and a paper whose features are not cached is read again, with its text, to make them."""
    full = corpus.load_docs(lib2024)
    lean = corpus.load_docs(lib2024, with_text=False)
    assert all(d.text for d in full) and not any(d.text for d in lean)
    assert [d.digest for d in lean] == [d.digest for d in full]
    for old in features.cache_dir(lib2024.root).glob("*.npz"):  # a cold cache: every paper is computed
        old.unlink()
    features._memo.clear()
    rec = Recommender.build(lib2024)
    assert rec.docs and not any(d.text for d in rec.docs)
    expected = features.compute(full, with_vectors=embed.available())
    assert (rec.f.counts != expected.counts).nnz == 0
    with pytest.raises(ValueError, match="without its text"):
        features.compute(lean[:1], with_vectors=False)
    # A paper deleted between the two reads: empty features, under a digest no text has.
    ghost = replace(lean[0], id=10**9)
    got = features.update(lib2024.root, [*lean, ghost], reread=partial(corpus.load_docs, lib2024))
    assert got.digests[-1] == "deleted" and got.counts[-1].nnz == 0
    assert (got.counts[:-1] != expected.counts).nnz == 0
    renamed = lean[0].id
    with lib2024.change("Retitle") as tx:  # the text's sources move
        papers.set_fields(tx, [renamed], title="A title of another paper")
    assert corpus.load_docs(lib2024, [renamed], with_text=False)[0].digest != lean[0].digest


@pytest.mark.backends
def test_for_you_reads_the_library_on_each_back_end(blib: Library) -> None:
    """The recommender's reads (its documents and the fingerprint that says when to retrain)
    mean the same on SQLite and PostgreSQL, so a lab library gets For you too."""
    fx.build(blib, later=False)
    docs = corpus.load_docs(blib)
    assert len(docs) == blib.count(PaperFilter(dismissed=None))
    kept = {d.id for d in docs if d.kept}
    assert blib.resolve("2608.16230") not in kept and len(kept) >= 5
    tagged = next(d for d in docs if d.tags)
    assert all(isinstance(t, str) and t for t in tagged.tags) and all(d.text for d in docs)
    state = corpus.library_state(blib)
    assert corpus.library_state(blib) == state
    papers.tag(blib, [blib.resolve("2608.16230")], ["agents"])
    assert corpus.library_state(blib) != state
    ranking = Recommender.build(blib).rank([blib.resolve(a) for a in ("2608.17765", "2608.15502")])
    assert ranking.personal and len(ranking.items) == 2
