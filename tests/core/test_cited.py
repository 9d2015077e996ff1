"""What a document cites: .aux, .tex with \\input, pandoc Markdown; exports exactly those entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readinglist.cli.main import main
from readinglist.formats.cited import keys_from_aux, keys_from_tex, markdown_citations
from readinglist.records import PaperMeta
from readinglist.services import papers


def test_aux_keys_natbib_biblatex_and_included_files(tmp_path: Path) -> None:
    (tmp_path / "paper.aux").write_text(
        "\\relax\n\\citation{a2020,b2021}\n\\citation{a2020}\n\\abx@aux@cite{0}{c2022}\n\\@input{ch1.aux}\n"
        "\\bibdata{refs}\n\\citation{*}\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "ch1.aux").write_text("\\citation{d2023}\n\\abx@aux@cite{e2024}\n", encoding="utf-8")
    cited = keys_from_aux(tmp_path / "paper.aux")
    assert cited.keys == ["a2020", "b2021", "c2022", "d2023", "e2024"]
    assert cited.all_cited and len(cited.files) == 2


def test_tex_follows_input_and_include_and_skips_comments(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\nAs \\citet[p.~3]{a2020} and \\parencite{b2021, c2022}.\n"
        "% \\cite{commented}\n\\input{sections/intro}\n\\include{missing}\n"
        "\\cites[see][12]{d2023}[][]{e2024} 100\\% sure \\nocite{f2025}\n\\end{document}\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "intro.tex").write_text("\\textcite{g2026}\n", encoding="utf-8")
    cited = keys_from_tex(tmp_path / "main.tex")
    assert cited.keys == ["a2020", "b2021", "c2022", "d2023", "e2024", "f2025", "g2026"]
    assert any("missing" in p for p in cited.problems)


def test_markdown_citations_skip_code_and_email() -> None:
    text = ("As [@smith2020, p. 3; -@doe:2021] say, @jones2019 agrees.\nMail me@example.org.\n"
            "```\n@notakey\n```\nInline `@code` and @{weird key}.\n")  # fmt: skip
    assert [k for _n, k in markdown_citations(text)] == ["smith2020", "doe:2021", "jones2019", "weird key"]


@pytest.fixture
def library(lib: object, tmp_path: Path) -> Path:
    papers.upsert(lib, [PaperMeta(title="Attention Is All You Need", authors=("Ashish Vaswani",), arxiv_id="1706.03762",  # type: ignore[attr-defined]
                          year=2017),
                PaperMeta(title="Jina CLIP", authors=("Ilse Brandt",), arxiv_id="2405.20204", year=2024),
                PaperMeta(title="Never Cited Here", authors=("Nobody Atall",), arxiv_id="2401.00001", year=2024)],
               save=True)  # fmt: skip
    return lib.root  # type: ignore[attr-defined,no-any-return]


def test_export_aux_exports_exactly_the_cited_keys_and_names_the_missing(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--library", str(library), "rekey", "brandt2024jina", "brandt2024clip"]) == 0
    aux = tmp_path / "paper.aux"
    aux.write_text(
        "\\citation{vaswani2017attention,brandt2024jina}\n\\citation{vaswani2017atention}\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["--library", str(library), "export", "--aux", str(aux), "--format", "csl-json"]) == 0
    out, err = capsys.readouterr()
    # The renamed key still finds its paper (exported under its key now, the old one said).
    assert sorted(i["id"] for i in json.loads(out)) == ["brandt2024clip", "vaswani2017attention"]
    assert "brandt2024jina: not in the library; the paper was rekeyed to brandt2024clip" in err
    assert "vaswani2017atention: not in the library; did you mean vaswani2017attention?" in err


def test_cited_in_lists_files_per_key(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "a.tex").write_text("\\cite{vaswani2017attention}\n", encoding="utf-8")
    (proj / "notes.md").write_text("See @vaswani2017attention and [@ghost2020].\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--library", str(library), "cited-in", str(proj), "--format", "json"]) == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)}
    assert [f["file"] for f in rows["vaswani2017attention"]["files"]] == ["a.tex", "notes.md"]
    assert rows["ghost2020"]["in_library"] is False and rows["vaswani2017attention"]["in_library"] is True


def test_export_format_follows_the_output_suffix_and_autoexport_takes_a_format(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "refs.ris"
    assert main(["--library", str(library), "export", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("TY  - UNPB") == 3
    target = tmp_path / "live.json"
    assert main(["--library", str(library), "autoexport", "add", str(target)]) == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3
    assert (
        main(["--library", str(library), "autoexport", "add", str(tmp_path / "x.bib"), "--format", "ris"])
        == 1
    )
    assert "should end in .ris" in capsys.readouterr().err
    assert main(["--library", str(library), "import", str(out)]) == 0  # RIS re-imports onto the same papers
    assert "merged into vaswani2017attention" in capsys.readouterr().err
