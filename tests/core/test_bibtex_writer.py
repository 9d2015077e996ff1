"""BibTeX export: format, determinism, escaping, and what other tools make of the output."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import bibtexparser
import pybtex.database
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pybtex.richtext import Text

from readinglist.bibtex import decode_latex, entry_for, parse_bibtex, write_bibtex
from readinglist.bibtex.writer import bibtex_name, encode_url
from readinglist.errors import BibtexError
from readinglist.records import PaperMeta

logging.getLogger("bibtexparser").setLevel(logging.ERROR)

ATTENTION = PaperMeta(
    title="Attention Is All You Need",
    authors=("Ashish Vaswani", "Noam Shazeer"),
    arxiv_id="1706.03762",
    version=7,
    abstract="The dominant sequence transduction models ...",
    published=dt.date(2017, 6, 12),
    primary_category="cs.CL",
)

EXPECTED_ATTENTION = """\
@misc{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  year = {2017},
  month = jun,
  doi = {10.48550/arXiv.1706.03762},
  eprint = {1706.03762},
  archiveprefix = {arXiv},
  primaryclass = {cs.CL},
  url = {https://arxiv.org/abs/1706.03762},
}
"""


def varied_papers() -> list[tuple[str, PaperMeta]]:
    """About 30 entries: preprints, venues, hostile titles, Unicode and organisation authors."""
    titles = [
        "Attention Is All You Need",
        "GPU Kernels for BERT and LLaMA on iPhone",
        r"\input{/etc/passwd} and an unbalanced { brace",
        "An $O(n^2)$ Algorithm for $\\mathcal{O}(\\log n)$ Queries",
        "100% Fast & Cheap: #1 in under_scores ~ ^ \\ $",
        "Über naïve Straße: Łódź, Čech and Ørsted",
        "中文标题 and Ελληνικά with emoji 😀",
        "Self-Attention (BERT), “Quoted” and 3D GPT-4",
    ]
    authors = [
        ("Ashish Vaswani", "Noam Shazeer"),
        ("Jörg Müller", "José Martínez", "Łukasz Kaiser"),
        ("Jan van der Berg", "María de la Cruz", "Martin Luther King Jr."),
        ("OpenAI", "Google, Inc.", "The ATLAS Collaboration"),
        ("王小明", "Zoë Dubois"),
    ]
    venues = [
        {},
        {"entry_type": "article", "journal": "Journal of Machine Learning Research", "volume": "24",
         "number": "3", "pages": "1--42", "publisher": "JMLR", "doi": "10.5555/3648699"},
        {"entry_type": "inproceedings", "booktitle": "Advances in Neural Information Processing Systems",
         "pages": "5998--6008", "publisher": "Curran Associates, Inc."},
        {"entry_type": "book", "publisher": "MIT Press", "volume": "2"},
        {"entry_type": "techreport", "publisher": "Stanford University", "number": "TR-7"},
        {"entry_type": "phdthesis", "publisher": "ETH Zürich"},
    ]  # fmt: skip
    out = []
    for i in range(30):
        venue = venues[i % len(venues)]
        arxiv = f"{17 + i % 8:02d}{1 + i % 12:02d}.{10000 + i:05d}" if i % 4 != 3 else None
        meta = PaperMeta(
            title=titles[i % len(titles)],
            authors=authors[i % len(authors)],
            arxiv_id=arxiv,
            published=dt.date(2017 + i % 8, 1 + i % 12, 1 + i % 28),
            primary_category="cs.LG" if arxiv else None,
            url="https://example.org/a%20b#sec{1}" if i % 7 == 0 else None,
            **venue,
        )
        out.append((f"key{i:02d}", meta))
    return out


def test_arxiv_preprint_entry() -> None:
    assert entry_for("vaswani2017attention", ATTENTION) == EXPECTED_ATTENTION


def test_abstract_only_on_request() -> None:
    assert "abstract" not in entry_for("k", ATTENTION)
    text = entry_for("k", ATTENTION, include_abstract=True)
    assert "  abstract = {The dominant sequence transduction models ...},\n" in text


def test_published_article_keeps_eprint_fields() -> None:
    meta = PaperMeta(
        title="T",
        authors=("A B",),
        arxiv_id="1706.03762",
        entry_type="article",
        journal="J & K",
        volume="3",
        pages="1--9",
        publisher="P",
        year=2019,
        month=11,
        doi="10.1/x",
    )
    text = entry_for("k", meta)
    assert text.startswith("@article{k,\n")
    assert "  journal = {J \\& K},\n" in text
    assert "  month = nov,\n" in text
    assert "  doi = {10.1/x},\n" in text and "10.48550" not in text
    assert "  eprint = {1706.03762},\n  archiveprefix = {arXiv},\n" in text
    assert "publisher" not in text  # biber: no publisher on @article
    inproc = entry_for("k", PaperMeta(title="T", entry_type="inproceedings", booktitle="B", publisher="P"))
    assert "  booktitle = {B},\n" in inproc and "  publisher = {P},\n" in inproc


def test_fields_without_value_are_omitted() -> None:
    assert entry_for("k", PaperMeta(title="Only a title")) == "@misc{k,\n  title = {Only a title},\n}\n"


def test_entry_type_guessed_without_one() -> None:
    assert entry_for("k", PaperMeta(title="T", journal="J")).startswith("@article{")
    assert entry_for("k", PaperMeta(title="T", booktitle="B")).startswith("@inproceedings{")


def test_names() -> None:
    assert bibtex_name("Jan van der Berg") == "van der Berg, Jan"
    assert bibtex_name("Martin Luther King Jr.") == "King, Jr., Martin Luther"
    assert bibtex_name("Jörg Müller") == 'M{\\"u}ller, J{\\"o}rg'
    assert bibtex_name("OpenAI") == "{OpenAI}"
    assert bibtex_name("Google, Inc.") == "{Google, Inc.}"
    assert bibtex_name("Tom and Jerry Studio") == "{Tom and Jerry Studio}"


def test_urls_stay_usable() -> None:
    meta = PaperMeta(title="T", url="https://example.org/a%20b#frag{x}", doi="10.1000/a%b")
    text = entry_for("k", meta)
    assert "  url = {https://example.org/a%20b#frag%7Bx%7D},\n" in text  # biber keeps a \\% as is
    assert "  doi = {10.1000/a%b},\n" in text
    from pybtex.database import parse_string

    fields = parse_string(text, "bibtex").entries["k"].fields
    assert (fields["url"], fields["doi"]) == ("https://example.org/a%20b#frag%7Bx%7D", "10.1000/a%b")
    (entry,) = parse_bibtex(text).entries
    assert entry.meta.url == "https://example.org/a%20b#frag%7Bx%7D"
    assert entry.meta.doi == "10.1000/a%b"


@pytest.mark.parametrize(
    "arxiv_id", ["2401.00001", "2401.00001v2", "hep-th/9901001", "2401 {x}\\y", "2401.é1"]
)
def test_links_made_from_an_arxiv_id_are_encoded_like_any_link(arxiv_id: str) -> None:
    """The DOI and URL derived from an id skip a second encoding only when the id needs none."""
    text = entry_for("k", PaperMeta(title="T", arxiv_id=arxiv_id))
    assert f"  eprint = {{{encode_url(arxiv_id)}}},\n" in text
    assert f"  doi = {{{encode_url('10.48550/arXiv.' + arxiv_id)}}},\n" in text
    assert f"  url = {{{encode_url('https://arxiv.org/abs/' + arxiv_id)}}},\n" in text


def test_injection_title_is_literal() -> None:
    meta = PaperMeta(title=r"\input{/etc/passwd}", authors=(r"\write18{x}",))
    text = write_bibtex([("evil", meta)])
    assert not re.search(r"\\(input|write)", text)
    (entry,) = parse_bibtex(text).entries
    assert entry.meta.title == r"\input{/etc/passwd}"
    assert entry.meta.authors == (r"\write18{x}",)


def test_math_and_case_protection() -> None:
    text = entry_for("k", PaperMeta(title="An $O(n^2)$ Sort on GPU"))
    assert "  title = {An {$O(n^2)$} Sort on {GPU}},\n" in text
    assert parse_bibtex(text).entries[0].meta.title == "An $O(n^2)$ Sort on GPU"


def test_export_is_sorted_and_byte_identical() -> None:
    entries = varied_papers()
    first = write_bibtex(reversed(entries))
    assert first == write_bibtex(entries)
    assert first.startswith("% Exported by readinglist\n\n@")
    keys = re.findall(r"^@\w+\{([^,]+),", first, flags=re.M)
    assert keys == sorted(k for k, _ in entries)
    assert "\n\n\n" not in first and first.endswith("}\n")


def test_duplicate_keys_refused() -> None:
    with pytest.raises(BibtexError, match="differ only in case"):
        write_bibtex([("a", ATTENTION), ("A", ATTENTION)])  # biber WARNs, pybtex fails on these
    with pytest.raises(BibtexError, match="used twice"):
        write_bibtex([("a", ATTENTION), ("a", ATTENTION)])
    with pytest.raises(BibtexError):
        entry_for("bad key", ATTENTION)


def test_round_trip_bibtexparser_and_own_reader() -> None:
    entries = varied_papers()
    text = write_bibtex(entries)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [k for k, _ in entries]
    result = parse_bibtex(text)
    assert not result.problems
    for (key, meta), entry in zip(entries, result.entries, strict=True):
        assert entry.key == key
        assert entry.meta.title == meta.title
        assert entry.meta.authors == meta.authors
        assert entry.meta.arxiv_id == meta.arxiv_id
        assert entry.meta.entry_type == meta.entry_type
        assert (entry.meta.journal, entry.meta.booktitle) == (meta.journal, meta.booktitle)
        assert entry.meta.year == (meta.year or meta.published.year)


def test_round_trip_pybtex() -> None:
    entries = varied_papers()
    data = pybtex.database.parse_string(write_bibtex(entries), "bibtex")
    assert list(data.entries.keys()) == [k for k, _ in entries]
    for key, meta in entries:
        entry = data.entries[key]
        assert decode_latex(entry.fields["title"]) == meta.title
        names = [decode_latex(str(p)) for p in entry.persons["author"]]
        assert len(names) == len(meta.authors)
        for name, original in zip(names, meta.authors, strict=True):
            # pybtex prints "von Last, Jr, First"; compare as sets of words.
            assert sorted(name.replace(",", " ").split()) == sorted(original.replace(",", " ").split())


def test_pybtex_own_latex_decoding_reads_our_accents() -> None:
    meta = PaperMeta(title="Über naïve Straße", authors=("Jörg Müller", "José Martínez", "Łukasz Kaiser"))
    data = pybtex.database.parse_string(entry_for("k", meta), "bibtex")
    entry = data.entries["k"]
    assert Text.from_latex(entry.fields["title"]).render_as("text") == "Über naïve Straße"
    lasts = [Text.from_latex(" ".join(p.last_names)).render_as("text") for p in entry.persons["author"]]
    assert lasts == ["Müller", "Martínez", "Kaiser"]


names = st.lists(
    st.characters(codec="utf-8")
    | st.sampled_from([*"&%$#_{}~^\\ ,", " and ", "and", " Jr.", " van ", "others"]),
    max_size=12,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=50) | names, authors=st.lists(names, max_size=4))
def test_any_text_makes_a_readable_file(title: str, authors: list[str]) -> None:
    def norm(text: str) -> str:
        text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
        return unicodedata.normalize("NFC", " ".join(text.split()))

    meta = PaperMeta(title=title, authors=tuple(authors))
    text = write_bibtex([("k", meta)])
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == 1
    pybtex.database.parse_string(text, "bibtex")  # counts braces as BibTeX and biber do
    result = parse_bibtex(text)
    if not norm(title):
        assert not result.entries and result.problems  # an empty title is no entry
        return
    (entry,) = result.entries
    assert entry.meta.title == norm(title)
    assert entry.meta.authors == tuple(n for n in map(norm, authors) if n)


def biber_problems(bib: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "biber-out"
    out.mkdir()  # biber --tool dies with a Perl error when the output folder does not exist
    proc = subprocess.run(
        ["biber", "--tool", "--validate-datamodel", "--nolog", "--output-directory", str(out), str(bib)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [line for line in proc.stdout.splitlines() if re.match(r"^(WARN|ERROR)", line)]


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed")
def test_biber_validates_export(tmp_path: Path) -> None:
    bib = tmp_path / "export.bib"
    bib.write_text(write_bibtex(varied_papers(), include_abstract=True), encoding="utf-8")
    assert biber_problems(bib, tmp_path) == []


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed")
def test_biber_check_catches_problems(tmp_path: Path) -> None:
    """The check above is real: biber exits 0 but WARNs on a duplicate key."""
    bib = tmp_path / "dup.bib"
    bib.write_text(entry_for("a", ATTENTION) + "\n" + entry_for("a", ATTENTION), encoding="utf-8")
    assert biber_problems(bib, tmp_path)
