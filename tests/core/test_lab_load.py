"""The lab load test (bench/bench_postgres.py), small: member processes editing the same papers
at once lose nothing, overwrite nobody silently, and end with one shared view and their own
triage. The full size (8 members x 2,000 edits) is a benchmark, not a test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import fresh_database

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_database()


def test_three_members_editing_the_same_papers_lose_nothing(pg_url: str) -> None:
    import bench_postgres

    out = bench_postgres.bench_load(3, 40, url=pg_url)
    assert out["edits_total"] == 120
    mix = out["mix"]
    assert isinstance(mix, dict) and all(mix[k] > 0 for k in ("tag", "replace", "status", "list", "annotate"))
    assert out["lost_updates"] == 0
    assert out["lost_personal_updates"] == 0
    assert out["silent_overwrites"] == 0
    assert out["wrong_authors"] == 0
    assert out["identical_shared_views"] is True
    assert out["list_without_duplicates_or_strangers"] is True
