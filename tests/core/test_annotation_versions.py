"""Optimistic concurrency on annotations: every edit bumps the row's version; an edit made from
an older version is refused when it would overwrite a field changed since, and merges when it
touches other fields. On SQLite and PostgreSQL (``backends``), two sessions as two members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from readinglist.errors import StaleWriteError
from readinglist.records import AnnotationRecord, PaperFilter, PaperMeta
from readinglist.services import annotations as svc
from readinglist.services import history, papers
from readinglist.services.library import Library

pytestmark = pytest.mark.backends


@pytest.fixture
def two(blib: Library) -> Iterator[tuple[Library, Library, AnnotationRecord]]:
    meta = PaperMeta(arxiv_id="2404.00001", title="Versions", authors=("A",), published=dt.date(2024, 4, 1))
    (pid,), _ = papers.upsert(blib, [meta])
    blib.member = "ann"
    rec = svc.add_annotation(
        blib, pid, AnnotationRecord(None, 0, "highlight", rects=((1, 1, 9, 9),), comment="first")
    )
    other = Library.open(blib.root, database_url=blib.database_url)
    other.member = "bea"
    try:
        yield blib, other, rec
    finally:
        other.close()


def test_every_edit_bumps_the_version(two: tuple[Library, Library, AnnotationRecord]) -> None:
    ann, _bea, rec = two
    assert rec.version == 1
    out = svc.update_annotation(ann, rec.id or 0, color="#ff0000", base=rec)
    assert out.version == 2
    assert svc.update_annotation(ann, rec.id or 0, comment="second", base=out).version == 3


def test_a_stale_comment_edit_is_refused_and_changes_nothing(
    two: tuple[Library, Library, AnnotationRecord],
) -> None:
    ann, bea, rec = two
    pid = ann.paper_ids(PaperFilter())[0]
    svc.update_annotation(bea, rec.id or 0, comment="Bea's comment", base=rec)
    steps = len(history.history(ann))
    with pytest.raises(StaleWriteError, match=r"bea changed this highlight's comment.*Bea's comment"):
        svc.update_annotation(ann, rec.id or 0, comment="Ann's comment", base=rec)
    (now,) = svc.list_annotations(ann, pid)
    assert (now.comment, now.author, now.version) == ("Bea's comment", "bea", 2)
    assert len(history.history(ann)) == steps  # nothing recorded either


def test_edits_of_different_fields_merge(two: tuple[Library, Library, AnnotationRecord]) -> None:
    ann, bea, rec = two
    svc.update_annotation(bea, rec.id or 0, comment="Bea's comment", base=rec)
    out = svc.update_annotation(ann, rec.id or 0, color="#00ff00", base=rec)  # Ann recolours
    assert (out.comment, out.color, out.version) == ("Bea's comment", "#00ff00", 3)
    moved = svc.update_annotation(bea, rec.id or 0, rects=((2, 2, 8, 8),), base=rec)
    assert moved.rects == ((2.0, 2.0, 8.0, 8.0),) and moved.color == "#00ff00"


def test_an_edit_without_a_base_is_applied_as_before(two: tuple[Library, Library, AnnotationRecord]) -> None:
    ann, bea, rec = two
    svc.update_annotation(bea, rec.id or 0, comment="Bea's comment")
    assert svc.update_annotation(ann, rec.id or 0, comment="Ann's comment").comment == "Ann's comment"
