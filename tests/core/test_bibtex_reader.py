"""BibTeX import: real exporters' styles, broken files, macros, crossref, arXiv ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.bibtex import BibImport, normalize_title, parse_bibtex, parse_bibtex_file
from readinglist.errors import BibtexError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bib"


def load(name: str) -> BibImport:
    return parse_bibtex_file(FIXTURES / name)


def by_key(result: BibImport) -> dict:
    return {e.key: e for e in result.entries}


@pytest.mark.parametrize(
    ("name", "count", "problems"),
    [
        ("zotero.bib", 3, 0),
        ("jabref.bib", 2, 0),
        ("scholar.bib", 3, 0),
        ("arxiv.bib", 3, 0),
        ("crossref.bib", 4, 1),
        ("broken.bib", 4, 6),
    ],
)
def test_fixture_counts(name: str, count: int, problems: int) -> None:
    result = load(name)
    assert len(result.entries) == count
    assert len(result.problems) == problems, result.problems


def test_broken_file_keeps_good_entries_and_reports_lines() -> None:
    result = load("broken.bib")
    assert [(e.key, e.line) for e in result.entries] == [
        ("good_first", 2),
        ("good_second", 13),
        ("good_third", 24),
        ("good_last", 44),
    ]
    assert by_key(result)["good_first"].meta.title == "The First Good Entry"
    lines = [(p.line, p.message) for p in result.problems]
    assert [line for line, _ in lines] == [8, 19, 29, 34, 39, 44]
    messages = dict(lines)
    assert "missing_comma" in messages[8] and "comma after the citation key" in messages[8]
    assert "unbalanced" in messages[19] and "not closed" in messages[19]
    assert "without a citation key" in messages[29]
    assert "duplicate key 'good_first'" in messages[34] and "line 2" in messages[34]
    assert "no_title" in messages[39] and "no title" in messages[39]
    assert "undefinedmacro" in messages[44]


def test_zotero_export() -> None:
    entries = by_key(load("zotero.bib"))
    smith = entries["smith_deep_2023"]
    assert smith.line == 2 and smith.entry_type == "article"
    meta = smith.meta
    assert meta.title == "Deep Learning for GPU Kernels: A Survey of 100% & More"
    assert meta.authors == ("Jane Smith", "Jörg Müller", "José Martínez")
    assert (meta.journal, meta.volume, meta.pages, meta.year, meta.month) == (
        "Journal of Machine Learning Research",
        "24",
        "1--42",
        2023,
        6,
    )
    assert meta.doi == "10.5555/3648699.3648700"
    assert meta.abstract == "We survey GPU kernels. Costs drop by 50% when _tiles_ fit in shared memory."
    assert meta.citekey == "smith_deep_2023" and meta.arxiv_id is None
    assert smith.fields["keywords"] == "deep learning, GPU, survey"
    assert smith.fields["langid"] == "english"
    assert smith.fields["file"].endswith(".pdf:application/pdf")

    preprint = entries["wang_scaling_2024"].meta
    assert (preprint.arxiv_id, preprint.entry_type, preprint.publisher) == ("2405.20204", None, None)
    assert preprint.authors == ("Mei Wang", "Łukasz Kowalski", "OpenAI")
    assert preprint.abstract == "We study scaling laws. Paragraphs are joined."

    cruz = entries["cruz_attention_2022"].meta
    assert cruz.title == "Attention on the Edge: 3D Gaussian Splatting with in vivo Data"
    assert cruz.authors == ("María de la Cruz", "Jan van der Berg", "Søren Øster")
    assert (cruz.entry_type, cruz.booktitle) == (
        "inproceedings",
        "Advances in Neural Information Processing Systems",
    )
    assert cruz.publisher == "Curran Associates, Inc."


def test_jabref_export_with_strings_and_tex_accents() -> None:
    entries = by_key(load("jabref.bib"))
    mueller = entries["Mueller2019"]
    assert mueller.entry_type == "inproceedings"
    assert mueller.meta.authors == ("Thomas Müller", "José Martínez", "Łukasz Kaiser")
    assert mueller.meta.title == "On the BERT Embeddings of Český and Straße"
    assert mueller.meta.booktitle.startswith("Proceedings of the Conference on Empirical Methods")
    assert mueller.meta.publisher == "Association for Computational Linguistics"
    assert mueller.meta.month == 11 and mueller.fields["month"] == "November"
    assert mueller.fields["note"] == "Long paper, Association for Computational Linguistics"
    assert mueller.fields["owner"] == "alice"

    oconnor = entries["Oconnor2018"].meta
    assert oconnor.authors == ("Brendan O'Connor", "Renée François")  # "others" dropped
    assert oconnor.title == "Naïve Bayes & the U.S. Census: Über Alles"
    assert oconnor.doi == "10.1162/coli_a_00325"
    assert (oconnor.volume, oconnor.number, oconnor.month) == ("44", "3", 9)


def test_google_scholar_arxiv_entries_are_preprints() -> None:
    entries = by_key(load("scholar.bib"))
    wang = entries["wang2024scaling"].meta
    assert (wang.arxiv_id, wang.entry_type, wang.journal, wang.year) == ("2405.20204", None, None, 2024)
    assert wang.authors == ("Mei Wang", "Łukasz Kowalski")
    assert entries["devlin2018bert"].meta.arxiv_id == "1810.04805"
    vaswani = entries["vaswani2017attention"].meta
    assert (vaswani.entry_type, vaswani.arxiv_id, vaswani.volume) == ("inproceedings", None, "30")
    assert vaswani.authors[-2] == "Łukasz Kaiser"


def test_arxiv_generated_entries() -> None:
    entries = by_key(load("arxiv.bib"))
    vaswani = entries["vaswani2023attention"].meta
    assert (vaswani.arxiv_id, vaswani.primary_category, vaswani.entry_type) == ("1706.03762", "cs.CL", None)
    assert len(vaswani.authors) == 8 and vaswani.authors[5] == "Aidan N. Gomez"
    assert vaswani.title == "Attention Is All You Need"
    old = entries["maldacena1999large"].meta
    assert (old.arxiv_id, old.version) == ("hep-th/9711200", 3)
    survey = entries["zhang2024survey"].meta
    assert (survey.arxiv_id, survey.version) == ("2405.20204", 2)
    assert survey.title == r"A Survey on $\mathcal{O}(n)$ Attention for Large Language Models"
    assert survey.authors == ("Wei Zhang", "Zoë Dubois", "Günther Weiß")


def test_crossref_inherits_from_parent() -> None:
    result = load("crossref.bib")
    entries = by_key(result)
    assert "acl2021" not in entries  # the @proceedings parent is a venue, not a paper
    lee = entries["lee2021sparse"].meta
    assert lee.booktitle == "Proceedings of the 59th Annual Meeting of the ACL"
    assert (lee.publisher, lee.year, lee.month, lee.pages) == (
        "Association for Computational Linguistics",
        2021,
        8,
        "12--20",
    )
    assert lee.title == "Sparse Retrieval at Scale"
    chang = entries["chang2021dense"].meta  # crossref key in another case; own year wins
    assert (chang.booktitle is not None, chang.year) == (True, 2022)
    (problem,) = result.problems
    assert problem.line == 16 and "missing2021" in problem.message
    dblp = entries["dblp2017attention"].meta
    assert (dblp.arxiv_id, dblp.entry_type, dblp.journal, dblp.volume) == ("1706.03762", None, None, None)


def test_crossref_title_becomes_booktitle() -> None:
    text = """
@inproceedings{child, title = {Child}, crossref = {parent}}
@proceedings{parent, title = {Parent Proceedings}, year = 2020}
"""
    (entry,) = parse_bibtex(text).entries
    assert (entry.meta.title, entry.meta.booktitle, entry.meta.year) == ("Child", "Parent Proceedings", 2020)


def test_strings_and_concatenation() -> None:
    text = """
@string{ first = "Jane" }
@STRING{venue = {Conf. on } # "Things"}
@article{k, title = "Quoted " # {Title}, author = first # " Doe", journal = venue, month = dec # "~1",
  year = 1999}
"""
    result = parse_bibtex(text)
    assert not result.problems
    (entry,) = result.entries
    assert (entry.meta.title, entry.meta.authors, entry.meta.journal) == (
        "Quoted Title",
        ("Jane Doe",),
        "Conf. on Things",
    )
    assert (entry.meta.month, entry.meta.year) == (12, 1999)


@pytest.mark.parametrize(
    ("fields", "arxiv"),
    [
        ("eprint = {arXiv:2405.20204v3}, archiveprefix = {arXiv}", ("2405.20204", 3)),
        ("eprint = {2405.20204}, eprinttype = {arxiv}", ("2405.20204", None)),
        ("eprint = {12345}, eprinttype = {pubmed}", (None, None)),
        ("arxivid = {1706.03762}", ("1706.03762", None)),
        ("url = {https://arxiv.org/abs/1706.03762v5}", ("1706.03762", 5)),
        ("url = {https://arxiv.org/pdf/hep-th/9901001v1.pdf}", ("hep-th/9901001", 1)),
        ("journal = {arXiv preprint arXiv:2405.20204}", ("2405.20204", None)),
        ("note = {arXiv:2405.20204 [cs.CL]}", ("2405.20204", None)),
        ("doi = {10.48550/arXiv.2405.20204}", ("2405.20204", None)),
        ("journal = {CoRR}, volume = {abs/1706.03762}", ("1706.03762", None)),
        ("note = {Page 1706.03762 of something}", (None, None)),
        ("journal = {arXiv preprint arXiv:9913.12345}", (None, None)),
    ],
)
def test_arxiv_id_detection(fields: str, arxiv: tuple[str | None, int | None]) -> None:
    (entry,) = parse_bibtex(f"@misc{{k, title = {{T}}, {fields}}}").entries
    assert (entry.meta.arxiv_id, entry.meta.version) == arxiv
    assert entry.meta.entry_type == (None if arxiv[0] else "misc")


def test_names_in_every_form() -> None:
    text = r"""@article{k, title = {T}, author = {Doe, Jane and John Smith and {World Health Organization}
      and van der Berg, Jan and King, Jr., Martin and {\L}ukasz Kaiser AND de la Cruz, Mar{\'\i}a
      and {Barnes and Noble} and others}}"""
    (entry,) = parse_bibtex(text).entries
    assert entry.meta.authors == (
        "Jane Doe",
        "John Smith",
        "World Health Organization",
        "Jan van der Berg",
        "Martin King Jr.",
        "Łukasz Kaiser",
        "María de la Cruz",
        "Barnes and Noble",
    )


def test_title_whitespace_and_dates() -> None:
    text = "@online{k, title = {  A\n   Title\twith  spaces }, date = {2021-03-04}}"
    (entry,) = parse_bibtex(text).entries
    assert entry.meta.title == "A Title with spaces"
    assert (entry.meta.year, entry.meta.month, str(entry.meta.published)) == (2021, 3, "2021-03-04")


def test_comments_preamble_and_parentheses() -> None:
    text = """This is an implicit comment.
@comment{ignored, title = {Not an entry}}
@preamble{"\\newcommand{\\noop}[1]{}"}
@article(paren, title = {Round Brackets}, year = 2001)
"""
    result = parse_bibtex(text)
    assert [e.key for e in result.entries] == ["paren"] and not result.problems


def test_duplicate_keys_are_case_insensitive() -> None:
    result = parse_bibtex("@misc{Key, title={A}}\n@misc{key, title={B}}\n")
    assert [e.meta.title for e in result.entries] == ["A"]
    assert result.problems[0].line == 2


def test_empty_and_garbage_input() -> None:
    assert parse_bibtex("") == BibImport((), ())
    result = parse_bibtex("@article{k, title = {never closed\n")
    assert not result.entries and result.problems[0].line == 1


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BibtexError, match="does not exist"):
        parse_bibtex_file(tmp_path / "missing.bib")
    with pytest.raises(BibtexError, match="folder"):
        parse_bibtex_file(tmp_path)


def test_latin1_file_falls_back_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "old.bib"
    path.write_bytes("% header\n@misc{k, title = {Caf\u00e9 M\u00fcller}}\n".encode("latin-1"))
    result = parse_bibtex_file(path)
    assert result.entries[0].meta.title == "Café Müller"
    assert result.problems[0].line == 2 and "Latin-1" in result.problems[0].message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.bib"
    path.write_bytes("\ufeff@misc{k, title = {Zoë}}\n".encode())
    result = parse_bibtex_file(path)
    assert result.entries[0].meta.title == "Zoë" and not result.problems


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Attention Is All You Need", "attention is all you need."),
        (r"{\"U}ber {GPU} Kernels", "Über GPU-kernels"),
        ("Straße der Łódź", "strasse der lodz"),
        ("  Spaces\n and\ttabs ", "spaces and tabs"),
        ("中文标题", "中文标题"),
    ],
)
def test_normalize_title_matches_duplicates(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)


def test_normalize_title_keeps_different_titles_apart() -> None:
    assert normalize_title("中文标题") != normalize_title("日本語")
    assert normalize_title("Attention") != normalize_title("Retention")


def test_repeated_field_keeps_the_first_with_a_note() -> None:
    result = parse_bibtex("\n@misc{k, title = {First}, title = {Second}}\n")
    assert result.entries[0].meta.title == "First"
    assert result.problems[0].line == 2 and "title" in result.problems[0].message


def test_windows_line_endings_and_string_redefinition() -> None:
    text = '@string{v = "Old"}\r\n@string{v = "New"}\r\n@article{k,\r\n  title = {A\r\n  Title},\r\n  journal = v,\r\n}\r\n'
    result = parse_bibtex(text)
    (entry,) = result.entries
    assert (entry.key, entry.line, entry.meta.title, entry.meta.journal) == ("k", 3, "A Title", "New")
