"""CSL-JSON, RIS and BibLaTeX: schema-valid, pandoc-equivalent, and round trips back to the same entries."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from readinglist.formats import render
from readinglist.formats.cite import format_references
from readinglist.formats.csl import parse_csl_json
from readinglist.formats.ris import parse_ris
from readinglist.records import PaperMeta
from tests.conftest import FIXTURES

PREPRINT = PaperMeta(
    title="Jina CLIP: Your CLIP Model Is Also Your Text Retriever",
    authors=("Ilse Brandt", "Greta Günther", "OpenAI"),
    arxiv_id="2405.20204", version=2, published=dt.date(2024, 5, 30), primary_category="cs.CL",
    abstract="Contrastive & retrieval: 100% of it.",
)  # fmt: skip
ARTICLE = PaperMeta(
    title="Some Published Thing", authors=("Pablo Martínez", "Ludwig van Beethoven"), arxiv_id="2301.00001",
    entry_type="article", journal="Journal of Things", volume="12", number="3", pages="1--10", year=2023,
    month=4, doi="10.1000/xyz", url="https://example.org/xyz",
)  # fmt: skip
CONFERENCE = PaperMeta(
    title="A Conference Paper on Łódź", authors=("Jane Doe", "Zoë Hartmann"), entry_type="inproceedings",
    booktitle="Proceedings of Things", pages="5--9", publisher="ACM", year=2022,
)  # fmt: skip
ENTRIES = [("brandt2024jina", PREPRINT), ("martinez2023some", ARTICLE), ("doe2022conf", CONFERENCE)]


def test_csl_json_validates_against_the_official_schema() -> None:
    schema = json.loads((FIXTURES / "csl" / "csl-data.json").read_text(encoding="utf-8"))
    data = json.loads(render("csl-json", ENTRIES))
    jsonschema.validate(data, schema)
    by_id = {item["id"]: item for item in data}
    assert by_id["brandt2024jina"]["type"] == "article"
    assert by_id["brandt2024jina"]["number"] == "arXiv:2405.20204"
    assert by_id["martinez2023some"]["author"][1] == {"family": "Beethoven", "given": "Ludwig",
                                                      "non-dropping-particle": "van"}  # fmt: skip
    assert by_id["doe2022conf"]["container-title"] == "Proceedings of Things"
    bad = [dict(data[0], arxiv="2405.20204")]  # the schema refuses variables it does not know
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize("fmt,parse", [("csl-json", parse_csl_json), ("ris", parse_ris)])
def test_export_then_import_gives_the_same_entries(fmt: str, parse: object) -> None:
    parsed = parse(render(fmt, ENTRIES))  # type: ignore[operator]
    assert parsed.problems == ()
    back = {m.citekey: m for m in parsed.entries}
    for key, meta in ENTRIES:
        got = back[key]
        for attr in ("title", "authors", "arxiv_id", "doi", "entry_type", "journal", "booktitle", "volume",
                     "number", "pages", "publisher", "abstract"):  # fmt: skip
            assert getattr(got, attr) == (getattr(meta, attr) or ("" if attr == "abstract" else None)), (
                key,
                attr,
            )
        assert (got.year or got.published.year) == (meta.year or meta.published.year)  # type: ignore[union-attr]
    assert back["brandt2024jina"].published == dt.date(2024, 5, 30)
    assert back["martinez2023some"].month == 4


def test_biblatex_keeps_unicode_and_writes_eprint_fields() -> None:
    text = render("biblatex", ENTRIES)
    assert "@online{brandt2024jina," in text
    assert "  eprinttype = {arxiv},\n  eprint = {2405.20204},\n  eprintclass = {cs.CL}," in text
    assert "  date = {2024-05-30}," in text
    assert "Günther, Greta" in text and "{Ł}ódź" not in text and "Łódź" in text
    assert "@article{martinez2023some," in text and "journaltitle = {Journal of Things}" in text
    assert "  date = {2023-04}," in text
    assert "year =" not in text


def test_biblatex_passes_biber_data_model_check(tmp_path: Path) -> None:
    if shutil.which("biber") is None:
        pytest.skip("biber is not installed (apt-get install biber)")
    bib = tmp_path / "refs.bib"
    bib.write_text(render("biblatex", ENTRIES), encoding="utf-8")
    out = subprocess.run(["biber", "--tool", "--validate-datamodel", "--nolog", "--output-directory",
                          str(tmp_path), str(bib)], capture_output=True, text=True, timeout=120)  # fmt: skip
    problems = [line for line in out.stdout.splitlines() if line.startswith(("WARN", "ERROR"))]
    assert out.returncode == 0 and problems == [], out.stdout


def _pandoc_refs(bibliography: Path, tmp_path: Path) -> list[str]:
    doc = tmp_path / "doc.md"
    doc.write_text('---\nnocite: "@*"\n---\n', encoding="utf-8")
    out = subprocess.run(["pandoc", "--citeproc", f"--bibliography={bibliography}", "-t", "plain",
                          "--wrap=none", str(doc)], capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return [r for r in out.stdout.strip().split("\n\n") if r.strip()]


def test_pandoc_renders_the_same_references_from_csl_json_and_biblatex(tmp_path: Path) -> None:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc)")
    (tmp_path / "refs.json").write_text(render("csl-json", ENTRIES), encoding="utf-8")
    (tmp_path / "refs.bib").write_text(render("biblatex", ENTRIES), encoding="utf-8")
    from_csl = _pandoc_refs(tmp_path / "refs.json", tmp_path)
    from_bib = _pandoc_refs(tmp_path / "refs.bib", tmp_path)
    assert len(from_csl) == len(from_bib) == 3
    # Published entries render identically. pandoc reads @online as a web page, whose style prints
    # its date where an article prints the archive ("arXiv."), so the preprint is compared
    # without that one element.
    assert from_csl[1:] == from_bib[1:]
    assert from_csl[0].replace(" arXiv.", "") == from_bib[0].replace(" May 30, 2024.", "")
    assert "Günther" in from_bib[0] and "10.48550/arXiv.2405.20204" in from_bib[0]


@pytest.mark.parametrize("style,expected", [
    ("apa", "Martínez, P., & van Beethoven, L. (2023). Some Published Thing. Journal of Things, 12(3), 1–10."),
    ("ieee", "P. Martínez and L. van Beethoven, “Some Published Thing”, Journal of Things, vol. 12, no. 3, pp. 1–10"),
    ("acm", "Pablo Martínez and Ludwig van Beethoven. 2023. Some Published Thing. Journal of Things 12, 3"),
])  # fmt: skip
def test_formatted_references_come_from_the_csl_styles(style: str, expected: str) -> None:
    refs = format_references([("martinez2023some", ARTICLE)], style)
    assert len(refs) == 1 and expected in refs[0]


def test_broken_csl_json_and_ris_are_reported_not_raised() -> None:
    assert "not valid JSON" in parse_csl_json("[{").problems[0]
    parsed = parse_csl_json('[{"id": "a", "type": "book"}, 3, {"id": "b", "title": "Fine"}]')
    assert [m.title for m in parsed.entries] == ["Fine"]
    assert len(parsed.problems) == 2
    parsed = parse_ris("TY  - JOUR\nAU  - Doe, J.\nER  - \n\nTY  - JOUR\nTI  - Kept\nER  - \n")
    assert [m.title for m in parsed.entries] == ["Kept"] and "no title" in parsed.problems[0]


def test_without_citeproc_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from readinglist.errors import ReadingListError

    monkeypatch.setitem(sys.modules, "citeproc", None)  # as if the [cite] extra were not installed
    with pytest.raises(ReadingListError, match=r"pip install 'readinglist\[cite\]'"):
        format_references([("martinez2023some", ARTICLE)], "apa")
