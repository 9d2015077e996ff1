"""How paper fields are read back from their columns."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.db.paperfields import CODECS

decode_authors, encode_authors = CODECS["authors"]


@given(st.lists(st.text(max_size=12), max_size=6))
def test_a_list_reads_back_as_it_was_written(names: list[str]) -> None:
    assert decode_authors(encode_authors(names)) == tuple(names)


@given(
    st.lists(st.text(alphabet='ab ",\\[]é', max_size=6), max_size=4),
    st.sampled_from([(", ", ": "), (",", ":"), (" , ", ": ")]),
    st.booleans(),
)
def test_any_json_writer_reads_as_json_reads_it(
    names: list[str], separators: tuple[str, str], ascii_only: bool
) -> None:
    """The split fast path must never differ from JSON: other separators, escapes, quotes."""
    stored = json.dumps(names, separators=separators, ensure_ascii=ascii_only)
    assert decode_authors(stored) == tuple(json.loads(stored))


@pytest.mark.parametrize("stored", ['["a", 1, "b"]', '["a", null, "b"]', '[""]', "[]", '["x"]'])
def test_lists_that_are_not_plain_strings_are_read_by_json(stored: str) -> None:
    assert decode_authors(stored) == tuple(json.loads(stored))


def test_empty_and_missing_lists() -> None:
    assert decode_authors(None) == ()
    assert decode_authors("") == ()
