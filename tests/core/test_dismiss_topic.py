"""Dismissing a topic of the day: the cluster holding a paper goes in one undo step, and the CLI's
``dismiss --topic N`` reads the numbers ``clusters`` prints."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.cli.main import main
from readinglist.services import history, topics
from readinglist.services.library import Library
from tests import recommend_fixture as fx
from tests import topic_fixture as tf

DEAD = fx.DEAD
K = 2


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("topic") / "lib"
    lib = Library.open(root, DEAD)
    try:
        fx.build(lib, later=False)
        tf.add_day(lib)
    finally:
        lib.close()
    return root


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "lib"
    shutil.copytree(built, dest)
    return dest


@pytest.fixture
def lib(root: Path) -> Iterator[Library]:
    lib = Library.open(root, DEAD)
    yield lib
    lib.close()


cli = fx.cli


def _dismissed(lib: Library, arxiv_ids: list[str]) -> list[bool]:
    return [lib.get(lib.resolve(a)).dismissed for a in arxiv_ids]


def test_the_two_topics_of_the_day_are_found_and_numbered_the_same_each_time(lib: Library) -> None:
    first = topics.day_topics(lib, tf.DAY, K)
    assert first.day == tf.DAY and [t.number for t in first.topics] == [1, 2]
    groups = [{lib.get(i).arxiv_id for i in t.paper_ids} for t in first.topics]
    assert groups == [set(tf.PROTEIN_IDS), set(tf.SPEECH_IDS)]  # biggest first
    assert "protein" in first.topics[0].label and "speech" in first.topics[1].label
    assert topics.day_topics(lib, tf.DAY, K) == first


def test_dismissing_a_topic_dismisses_exactly_its_papers_and_undo_restores_them_all(lib: Library) -> None:
    one = lib.resolve(tf.SPEECH_IDS[2])
    done = topics.dismiss_topic(lib, one, tf.DAY, K)
    assert sorted(lib.get(i).arxiv_id for i in done.paper_ids) == sorted(tf.SPEECH_IDS)
    assert all(_dismissed(lib, tf.SPEECH_IDS)) and not any(_dismissed(lib, tf.PROTEIN_IDS))
    step = history.history(lib, 1)[0]
    assert step.label == f"Dismiss topic “{done.topic.name}” (4 papers)" and "speech" in step.label
    # Dismissing changes neither the day's papers nor their features: the numbers hold.
    assert [t.paper_ids for t in topics.day_topics(lib, tf.DAY, K).topics][1] == done.topic.paper_ids
    res = history.undo(lib)
    assert res.label == step.label
    assert not any(_dismissed(lib, tf.SPEECH_IDS))
    # Once all are dismissed, dismissing the topic again is no step at all.
    topics.dismiss_topic(lib, one, tf.DAY, K)
    again = topics.dismiss_topic(lib, one, tf.DAY, K)
    assert again.paper_ids == () and history.history(lib, 1)[0].label == step.label


def test_the_day_defaults_to_the_papers_newest_feed_day(lib: Library) -> None:
    t = topics.topic_of(lib, lib.resolve(tf.PROTEIN_IDS[0]), k=K)
    assert t.day == tf.DAY and len(t.paper_ids) == len(tf.PROTEIN_IDS)
    with pytest.raises(topics.NotFoundError):
        topics.topic_of(lib, lib.resolve(tf.PROTEIN_IDS[0]), dt.date(2024, 5, 31))


def test_cli_dismiss_topic_uses_the_numbers_clusters_prints_and_undo_takes_it_back(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(root, capsys, "clusters", "-k", str(K))
    assert code == 0, err
    assert "dismiss one with: readinglist dismiss --topic N -k 2" in err
    lines = [ln for ln in out.splitlines() if not ln.startswith(" ")]
    assert lines[0].startswith("1. ") and "protein" in lines[0] and lines[1].startswith("2. ")
    code, out, err = cli(root, capsys, "clusters", "-k", str(K), "--format", "json")
    groups = json.loads(out)
    assert [g["topic"] for g in groups] == [1, 2]
    assert sorted(p["arxiv_id"] for p in groups[0]["papers"]) == sorted(tf.PROTEIN_IDS)

    code, _, err = cli(root, capsys, "dismiss", "--topic", "1", "-k", str(K), "--date", tf.DAY.isoformat())
    assert code == 0, err
    assert "dismissed 5 papers of topic 1 of 2026-09-01" in err and "readinglist undo" in err
    lib = Library.open(root, DEAD)
    try:
        assert all(_dismissed(lib, tf.PROTEIN_IDS)) and not any(_dismissed(lib, tf.SPEECH_IDS))
    finally:
        lib.close()
    code, out, err = cli(root, capsys, "undo")
    assert code == 0, err
    assert "Dismiss topic “protein" in out + err
    lib = Library.open(root, DEAD)
    try:
        assert not any(_dismissed(lib, tf.PROTEIN_IDS))
    finally:
        lib.close()


def test_cli_dismiss_still_takes_ids_and_says_what_is_wrong(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(root, capsys, "dismiss", tf.SPEECH_IDS[0], tf.SPEECH_IDS[1])
    assert code == 0 and "dismissed 2 papers" in err
    code, _, err = cli(root, capsys, "dismiss", "--topic", "9", "-k", str(K))
    assert code == 1 and "has 2 topics: pick 1 to 2" in err
    with pytest.raises(SystemExit) as exc:
        main(["--library", str(root), "dismiss"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--library", str(root), "dismiss", tf.SPEECH_IDS[0], "--topic", "1"])
    assert exc.value.code == 2
    capsys.readouterr()


def test_without_the_recommend_extra_the_topic_commands_say_what_to_install(
    root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def missing(name: str, *a: object, **kw: object) -> object:
        return None if name == "sklearn" else real(name, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", missing)
    for argv in (("dismiss", "--topic", "1"), ("clusters",)):
        code, _, err = cli(root, capsys, *argv)
        assert code == 1 and "pip install 'readinglist[recommend]'" in err, argv


def test_a_paper_deleted_after_the_topics_were_computed_leaves_the_rest_to_dismiss(lib: Library) -> None:
    from readinglist.services import papers

    topic = topics.topic_of(lib, lib.resolve(tf.PROTEIN_IDS[0]), tf.DAY, K)
    gone = lib.resolve(tf.PROTEIN_IDS[1])
    papers.delete_papers(lib, [gone])
    done = topics.dismiss_cluster(lib, topic)
    assert gone not in done.paper_ids and len(done.paper_ids) == len(tf.PROTEIN_IDS) - 1
    assert history.history(lib, 1)[0].label.endswith("(4 papers)")
