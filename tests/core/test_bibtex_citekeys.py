"""Citation keys: patterns, folding, particles, collisions, validation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readinglist.bibtex.citekeys import (
    DEFAULT_PATTERN,
    last_name,
    make_citekey,
    split_name,
    validate_citekey,
    validate_pattern,
)
from readinglist.errors import BibtexError
from readinglist.records import PaperMeta

KEY_CHARS = re.compile(r"[A-Za-z0-9_:-]+")
ATTENTION = PaperMeta(
    title="Attention Is All You Need",
    authors=("Ashish Vaswani", "Noam Shazeer", "Niki Parmar"),
    arxiv_id="1706.03762",
    published=dt.date(2017, 6, 12),
)


def test_default_pattern() -> None:
    assert DEFAULT_PATTERN == "{auth}{year}{title}"
    assert make_citekey(ATTENTION) == "vaswani2017attention"


@pytest.mark.parametrize(
    ("pattern", "key"),
    [
        ("{Auth}{year}", "Vaswani2017"),
        ("{auth}{shortyear}:{shorttitle}", "vaswani17:attentionallneed"),
        ("{authors2}_{Title}", "vaswaniEtAl_Attention"),
        ("{auth}-{veryshorttitle}", "vaswani-attention"),
        ("ref_{year}", "ref_2017"),
    ],
)
def test_patterns(pattern: str, key: str) -> None:
    assert make_citekey(ATTENTION, pattern=pattern) == key


def test_authors2_forms() -> None:
    one = PaperMeta(title="T", authors=("Jane Smith",))
    two = PaperMeta(title="T", authors=("Jane Smith", "Bob Jones"))
    assert make_citekey(one, pattern="{authors2}") == "smith"
    assert make_citekey(two, pattern="{authors2}") == "smithjones"


def test_year_prefers_meta_year_then_published() -> None:
    meta = PaperMeta(title="X", authors=("A B",), year=2020, published=dt.date(2017, 1, 1))
    assert make_citekey(meta) == "b2020x"
    assert make_citekey(PaperMeta(title="Xylophones", authors=("A B",))) == "bxylophones"


@pytest.mark.parametrize(
    ("name", "last"),
    [
        ("Jörg Müller", "muller"),
        ("Łukasz Kaiser", "kaiser"),
        ("Anna Weiß", "weiss"),
        ("Jan van der Berg", "vanderberg"),
        ("María José de la Cruz", "delacruz"),
        ("Ludwig van Beethoven", "vanbeethoven"),
        ("Müller, Jörg", "muller"),
        ("van der Berg, Jan", "vanderberg"),
        ("Martin Luther King Jr.", "king"),
        ("O'Connor Brendan", "brendan"),
        ("Brendan O'Connor", "oconnor"),
        ("The ATLAS Collaboration", "atlas"),
        ("Google, Inc.", "google"),
        ('M{\\"u}ller, J.', "muller"),
        ("Meta AI", "meta"),
        ("Ai Weiwei", "weiwei"),
        ("王小明", ""),
    ],
)
def test_last_names(name: str, last: str) -> None:
    assert last_name(name) == last


def test_split_name_follows_bibtex_von_rule() -> None:
    assert split_name("Jan van der Berg") == ("Jan", "van der", "Berg", "")
    assert split_name("Martin Luther King Jr.") == ("Martin Luther", "", "King", "Jr.")
    assert split_name("King, Jr., Martin") == ("Martin", "", "King", "Jr.")
    assert split_name("Plato") == ("", "", "Plato", "")


def test_missing_author_and_year() -> None:
    meta = PaperMeta(title="On the Origin of Species")
    assert make_citekey(meta) == "anonorigin"
    assert make_citekey(PaperMeta(title="中文标题", authors=("王小明",))) == "anon"
    assert make_citekey(PaperMeta(title=""), pattern="{year}") == "anon"


def test_title_words_skip_stop_words_math_and_tex() -> None:
    meta = PaperMeta(title='Towards an $O(n)$ {\\"U}ber-Efficient GPU', authors=("A Smith",), year=2024)
    assert make_citekey(meta) == "smith2024uber"
    assert make_citekey(meta, pattern="{shorttitle}") == "uberefficientgpu"
    assert make_citekey(PaperMeta(title="Don't Stop Pretraining"), pattern="{title}") == "dont"


def test_collisions_count_like_jabref() -> None:
    taken = {"vaswani2017attention"}
    assert make_citekey(ATTENTION, taken=taken.__contains__) == "vaswani2017attentiona"
    taken |= {f"vaswani2017attention{c}" for c in "abcdefghijklmnopqrstuvwxyz"}
    assert make_citekey(ATTENTION, taken=taken.__contains__) == "vaswani2017attentionaa"
    taken.add("vaswani2017attentionaa")
    assert make_citekey(ATTENTION, taken=taken.__contains__) == "vaswani2017attentionab"


def test_all_keys_taken_raises() -> None:
    with pytest.raises(BibtexError):
        make_citekey(ATTENTION, taken=lambda key: True)


@pytest.mark.parametrize("pattern", ["{auth}{nope}", "{auth", "{auth} {year}", "key%{year}", ""])
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(BibtexError):
        validate_pattern(pattern)
    with pytest.raises(BibtexError):
        make_citekey(ATTENTION, pattern=pattern)


def test_good_pattern_is_returned() -> None:
    assert validate_pattern("{Auth}:{year}_{shorttitle}-x") == "{Auth}:{year}_{shorttitle}-x"


@pytest.mark.parametrize(
    "key", ["", "a b", "a,b", "a{b", "a}b", 'a"b', "a'b", "a#b", "a%b", "a~b", "a\\b", "a\nb"]
)
def test_validate_citekey_rejects(key: str) -> None:
    with pytest.raises(BibtexError):
        validate_citekey(key)


@pytest.mark.parametrize("key", ["vaswani2017attention", "Smith:2020-x_y", "müller2020", "a.b/c"])
def test_validate_citekey_accepts(key: str) -> None:
    assert validate_citekey(key) == key


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(max_size=60),
    authors=st.lists(st.text(max_size=25), max_size=4),
    year=st.none() | st.integers(1000, 2999),
    pattern=st.sampled_from([DEFAULT_PATTERN, "{Auth}{shortyear}", "{authors2}:{shorttitle}", "{Title}"]),
)
def test_keys_are_always_valid(title: str, authors: list[str], year: int | None, pattern: str) -> None:
    key = make_citekey(PaperMeta(title=title, authors=tuple(authors), year=year), pattern=pattern)
    assert KEY_CHARS.fullmatch(key)
    assert validate_citekey(key) == key


def test_a_family_of_taken_keys_gives_the_keys_probing_gives() -> None:
    taken = {"vaswani2017attention", "vaswani2017attentiona", "vaswani2017attentionc"}
    taken |= {f"vaswani2017attention{a}{b}" for a in "ab" for b in "abcdefghijklmnopqrstuvwxyz"}
    for held in (
        taken,
        taken - {"vaswani2017attentionc"},
        taken | {f"vaswani2017attention{c}" for c in "bcdefghijklmnopqrstuvwxyz"},
    ):
        probed = make_citekey(ATTENTION, taken=held.__contains__)
        with_family = make_citekey(ATTENTION, taken=held.__contains__, family=lambda base, h=held: h)
        assert probed == with_family
    assert (
        make_citekey(ATTENTION, taken=taken.__contains__, family=lambda base: taken)
        == "vaswani2017attentionb"
    )
