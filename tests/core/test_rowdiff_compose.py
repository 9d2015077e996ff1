"""Composing undo steps: note edits (updates) and import batches (create, then add to it)."""

from __future__ import annotations

from readinglist.db.rowdiff import Diff, TableDiff, compose


def diff(**tables: TableDiff) -> Diff:
    return Diff(tables=dict(tables))


def test_updates_compose_keeping_the_first_old_value() -> None:
    a = diff(papers=TableDiff(updated=[((1,), {"note": ("", "a")})]))
    b = diff(papers=TableDiff(updated=[((1,), {"note": ("a", "ab")})]))
    out = compose(a, b)
    assert out is not None and out.tables["papers"].updated == [((1,), {"note": ("", "ab")})]


def test_a_step_that_adds_to_rows_the_first_created_composes() -> None:
    a = diff(papers=TableDiff(created=[(1,)]), tags=TableDiff(created=[(7,)]))
    b = diff(papers=TableDiff(updated=[((1,), {"note": ("", "x")}), ((2,), {"saved": (0, 1)})]),
             attachments=TableDiff(created=[(3,)]))  # fmt: skip
    out = compose(a, b)
    assert out is not None
    assert out.tables["papers"].created == [(1,)]
    assert out.tables["papers"].updated == [((2,), {"saved": (0, 1)})]  # the created row needs none
    assert out.tables["attachments"].created == [(3,)] and out.tables["tags"].created == [(7,)]


def test_deleting_or_recreating_what_the_first_step_touched_does_not_compose() -> None:
    row = {"id": 1, "name": "x"}
    assert compose(diff(tags=TableDiff(created=[(1,)])), diff(tags=TableDiff(deleted=[row]))) is None
    assert compose(diff(tags=TableDiff(deleted=[row])), diff(tags=TableDiff(created=[(1,)]))) is None
    assert (
        compose(
            diff(tags=TableDiff(deleted=[row])), diff(tags=TableDiff(updated=[((1,), {"name": ("x", "y")})]))
        )
        is None
    )
