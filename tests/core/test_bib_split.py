"""The fast .bib scanner reads exactly what bibtexparser's splitter reads, or hands over."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readinglist.bibtex import split
from readinglist.bibtex.encoding import decode_bib
from readinglist.bibtex.reader import parse_bibtex

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BIB_FILES = sorted(FIXTURES.rglob("*.bib"))


def _fast_or_none(text: str) -> list[split.Block] | None:
    try:
        return split._fast(text)
    except split._Unsure:
        return None


@pytest.mark.parametrize("path", BIB_FILES, ids=lambda p: p.name)
def test_fixtures_split_alike(path: Path) -> None:
    text, _ = decode_bib(path.read_bytes(), path.name)
    fast = _fast_or_none(text)
    if path.name == "broken.bib":
        assert fast is None  # broken blocks are bibtexparser's to report
        return
    assert fast is not None, f"{path.name} is well formed and should take the fast path"
    assert fast == split._with_bibtexparser(text)


def test_generated_export_takes_the_fast_path() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import bench_bibtex

    from readinglist.bibtex.writer import write_bibtex

    text = write_bibtex(bench_bibtex.keyed(bench_bibtex.papers(300)), include_abstract=True)
    fast = _fast_or_none(text)
    assert fast is not None
    assert len(fast) == 300
    assert fast == split._with_bibtexparser(text)


@pytest.mark.parametrize(
    "text",
    [
        "@article(k, title = {T})",  # parenthesised block
        '@string{x = "a}b"}\n@misc{k, title = x}',  # a brace inside an @string's quotes
        "@misc{k, title = {T}\n@misc{j, title = {U}}",  # unclosed: the next block starts
        "@misc{k, title = {a\n  @misc{j, title = {U}}}}",  # a block start inside a value
        "@misc{k, title}",  # a field without =
        "@misc{k, title = {T} junk, year = 2020}",  # text after a value
        "@misc{k title = {T}}",  # no comma after the key
        "@misc{k, title = {T}",  # the file ends inside the entry
    ],
)
def test_what_it_does_not_read_goes_to_bibtexparser(text: str) -> None:
    assert _fast_or_none(text) is None
    assert split.split_blocks(text) == split._with_bibtexparser(text)


def test_values_keep_their_delimiters_and_lines() -> None:
    text = (
        "% comment @ not a block\n"
        '@String{v = "Proc. of " # {X}}\n\n'
        "@comment{jabref-meta: x {y}}\n"
        "@Article{Key1,\n"
        '  Title = "A {"} quote {B}",\n'
        "  author = {{\\v{C}}ech, A. and O'Hara, B},\n"
        "  booktitle = v # { 2020},\n"
        "  note = {mail a@b.org \\{ \\}},\n"
        "  year = 2020,\n"
        "  title = {dup},\n"
        "}\n"
    )
    blocks = split._fast(text)
    assert blocks == split._with_bibtexparser(text)
    string, entry = blocks
    assert string == split.StringBlock(2, "v", '"Proc. of " # {X}')
    assert isinstance(entry, split.EntryBlock)
    assert (entry.line, entry.entry_type, entry.key) == (5, "article", "Key1")
    assert dict(entry.fields[:3]) == {
        "Title": '"A {"} quote {B}"',
        "author": "{{\\v{C}}ech, A. and O'Hara, B}",
        "booktitle": "v # { 2020}",
    }
    assert entry.duplicates == frozenset()  # "Title" and "title": bibtexparser compares as written
    doubled = split._fast("@misc{k, year = 1, year = 2}")
    assert doubled == split._with_bibtexparser("@misc{k, year = 1, year = 2}")
    assert doubled[0].duplicates == frozenset({"year"})  # type: ignore[union-attr]


_PIECE_LIST = [
    "@misc{", "@article{", "@string{", "@comment{", "@preamble{", "@misc(", "@{", ")",
    "k1", "Key2", " ", "\n", "\n  ", ",", "=", " = ", "{", "}", '"', "#", " # ", "\\", "\\{",
    "\\}", '{"}', "@", "a@b", "title", "author", "jan", "2020", "x y", "%", "'", "é", "\t",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECE_LIST), max_size=40))
def test_random_text_splits_alike_or_hands_over(pieces: list[str]) -> None:
    text = "".join(pieces)
    fast = _fast_or_none(text)
    if fast is not None:
        assert fast == split._with_bibtexparser(text)


def test_damaged_entries_split_alike_or_hand_over() -> None:
    """Well-formed entries with random pieces spliced in: whatever the scanner still reads, it
    reads as bibtexparser does (and it still reads many of them: the check is not vacuous)."""
    rng = random.Random(16)
    read = 0
    for _ in range(1500):
        text = (
            "@string{v = {X}}\n"
            '@misc{k1,\n  title = {A {B} C},\n  author = "O\'Hara, B",\n  year = 2020,\n}\n'
            "@article{k2, note = v # { x}, month = jan}\n"
        )
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(_PIECE_LIST) + text[at:]
        fast = _fast_or_none(text)
        if fast is not None:
            assert fast == split._with_bibtexparser(text), text
            read += 1
    assert 150 <= read <= 1400, read


_VALUE = st.sampled_from([
    "{T}", "{A {B} C}", "{{\\v{C}}ech}", '"q"', '"q {b} r"', "jan", "2020", "{a} # jan",
    '"x" # {y} # z', "{\\{ x}", "{100\\%}", "{a, b}", '"a, b"', "{}",
])  # fmt: skip
_FIELD_LINE = st.tuples(st.sampled_from(["title", "Author", "year", "note", "month"]), _VALUE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_FIELD_LINE, min_size=1, max_size=6), min_size=1, max_size=5))
def test_generated_entries_take_the_fast_path_and_read_alike(entries: list[list[tuple[str, str]]]) -> None:
    text = "".join(
        f"@misc{{key{i},\n" + "".join(f"  {n} = {v},\n" for n, v in fields) + "}\n\n"
        for i, fields in enumerate(entries)
    )
    fast = _fast_or_none(text)
    assert fast is not None
    assert fast == split._with_bibtexparser(text)


def test_reader_results_do_not_depend_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    text, _ = decode_bib((FIXTURES / "bib" / "thesis.bib").read_bytes(), "thesis.bib")
    fast = parse_bibtex(text)
    monkeypatch.setattr(split, "_fast", lambda text: (_ for _ in ()).throw(split._Unsure()))
    assert parse_bibtex(text) == fast
