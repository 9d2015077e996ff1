"""A real-world-like bibliography goes in and comes out with every field, name and key intact."""

from __future__ import annotations

from pathlib import Path

from pybtex.database import BibliographyData, parse_string

from readinglist.bibtex.reader import parse_bibtex_file
from readinglist.records import PaperFilter
from readinglist.services import citations
from readinglist.services.library import Library
from tests.conftest import FIXTURES

THESIS = FIXTURES / "bib" / "thesis.bib"
MERGED = {"ElEmam2001": "elemam2001metrics"}  # one paper under two keys (same DOI)


def _pybtex(text: str) -> BibliographyData:
    return parse_string(text, "bibtex")


def _export_all(lib: Library) -> str:
    return citations.bibtex_for(lib, lib.paper_ids(PaperFilter(dismissed=None)))


def test_import_then_export_keeps_every_field_and_name(lib: Library) -> None:
    report = citations.import_bib(lib, THESIS)
    assert not [p for p in report.problems if "skipped" in p], report.problems
    assert any("ElEmam2001" in a and "elemam2001metrics" in a for a in report.aliases), report.aliases
    before = _pybtex(THESIS.read_text(encoding="utf-8"))
    after = _pybtex(_export_all(lib))
    assert len(before.entries) == 214
    assert set(after.entries) == set(before.entries) - set(MERGED)
    for key, old in before.entries.items():
        if key in MERGED:
            assert key in after.entries[MERGED[key]].fields["ids"]
            continue
        new = after.entries[key]
        assert new.type == old.type, key
        fields = {k.lower(): v for k, v in new.fields.items() if k.lower() != "ids"}
        assert fields == {k.lower(): v for k, v in old.fields.items()}, key
        for role in ("author", "editor"):
            assert [str(p) for p in new.persons.get(role, [])] == [
                str(p) for p in old.persons.get(role, [])
            ], key


def test_reimport_changes_nothing(lib: Library) -> None:
    citations.import_bib(lib, THESIS)
    first = _export_all(lib)
    count = len(lib.paper_ids(PaperFilter(dismissed=None)))
    again = citations.import_bib(lib, THESIS)
    assert again.added == []
    assert len(lib.paper_ids(PaperFilter(dismissed=None))) == count
    assert _export_all(lib) == first


def test_names_display_by_bibtex_rules() -> None:
    by_key = {e.key: e for e in parse_bibtex_file(THESIS).entries}
    assert by_key["elemam2001metrics"].meta.authors[0] == "Khaled El Emam"
    kim, bass = by_key["kim2016devops"], by_key["bass2015devops"]
    assert kim.meta.title == bass.meta.title == "DevOps"


def test_merged_key_exports_and_resolves(lib: Library) -> None:
    from readinglist.services.cited import resolve_keys

    citations.import_bib(lib, THESIS)
    ids, missing = resolve_keys(lib, ["ElEmam2001"])
    assert len(ids) == 1 and lib.get(ids[0]).citekey == "elemam2001metrics"
    assert missing[0].reason == "renamed"


def test_a_field_changed_since_the_import_is_written_from_the_library() -> None:
    from readinglist import recordtype
    from readinglist.bibtex.writer import entry_for

    entry = next(e for e in parse_bibtex_file(THESIS).entries if e.key == "ref002")
    same = _pybtex(entry_for("ref002", entry.meta)).entries["ref002"]
    assert same.fields["howpublished"] == "\\url{https://example.org/blog/2?q=a%20b&x=1}"
    edited = recordtype.replace(entry.meta, title="A new title", authors=("Grace Hopper",))
    out = _pybtex(entry_for("ref002", edited)).entries["ref002"]
    assert out.fields["title"] == "{A new title}" or out.fields["title"] == "A new title"
    assert [str(p) for p in out.persons["author"]] == ["Hopper, Grace"]
    assert out.fields["note"] == "Accessed: 2007-03-12"  # unknown fields still come back


def test_one_latin1_line_does_not_turn_the_utf8_file_into_mojibake(tmp_path: Path) -> None:
    bib = tmp_path / "mixed.bib"
    bib.write_bytes(
        "@misc{a,\n  title = {Café naïve},\n  author = {Jörg Müller}\n}\n".encode()
        + "@misc{b,\n  title = {Crème brûlée},\n  author = {Ana Peña}\n}\n".encode("cp1252")
    )
    parsed = parse_bibtex_file(bib)
    titles = {e.key: e.meta.title for e in parsed.entries}
    assert titles == {"a": "Café naïve", "b": "Crème brûlée"}
    assert [e.meta.authors for e in parsed.entries] == [("Jörg Müller",), ("Ana Peña",)]
    assert [p.line for p in parsed.problems] == [6, 7]
    assert "not UTF-8" in parsed.problems[0].message


def test_utf16_with_a_bom_is_read(tmp_path: Path) -> None:
    bib = tmp_path / "u16.bib"
    bib.write_bytes("@misc{a, title = {Łódź}}\n".encode("utf-16"))
    assert [e.meta.title for e in parse_bibtex_file(bib).entries] == ["Łódź"]


def test_string_self_reference_and_cycle_are_reported_not_garbage(tmp_path: Path) -> None:
    bib = tmp_path / "loop.bib"
    bib.write_text(
        '@string{a = a # "b"}\n@string{x = y}\n@string{y = x}\n'
        "@misc{k1, title = a}\n@misc{k2, title = {T}, note = y}\n",
        encoding="utf-8",
    )
    parsed = parse_bibtex_file(bib)
    messages = [p.message for p in parsed.problems]
    assert any("'a' refers to itself" in m for m in messages), messages
    assert any("'x' uses 'y'" in m for m in messages), messages
    assert parsed.problems[0].line == 1
    assert next(e for e in parsed.entries if e.key == "k1").meta.title != "b"


LONG_ABSTRACT = (
    "We study $\\alpha$-divergences for {\\'e}tude-style corpora, and show that the bound of "
    "Smith~\\cite{smith} is tight up to $O(\\log n)$ factors on every benchmark we tried."
)


def _entry_with_abstract(tmp_path: Path) -> Path:
    bib = tmp_path / "one.bib"
    bib.write_text(
        "@article{smith2024bounds,\n  title = {Tight Bounds},\n  author = {Smith, Ada},\n"
        f"  year = {{2024}},\n  journal = {{J. Bounds}},\n  abstract = {{{LONG_ABSTRACT}}}\n}}\n",
        encoding="utf-8",
    )
    return bib


def test_a_long_abstract_is_snapshotted_as_a_digest_and_still_comes_back_verbatim(tmp_path: Path) -> None:
    import json

    from readinglist import recordtype
    from readinglist.bibtex.writer import entry_for

    (entry,) = parse_bibtex_file(_entry_with_abstract(tmp_path)).entries
    assert entry.meta.bib_source is not None
    record = json.loads(entry.meta.bib_source)
    assert "abstract" not in record["meta"] and set(record["digests"]) == {"abstract"}
    assert record["meta"]["title"] == "Tight Bounds"  # short values stay as they are
    assert LONG_ABSTRACT in entry_for("smith2024bounds", entry.meta)  # the TeX as it came
    edited = recordtype.replace(entry.meta, abstract="A plain new abstract.")
    assert LONG_ABSTRACT not in entry_for("smith2024bounds", edited, include_abstract=True)
    out = _pybtex(entry_for("smith2024bounds", edited, include_abstract=True)).entries["smith2024bounds"]
    assert out.fields["abstract"] == "A plain new abstract."


def test_sources_written_before_digests_still_export_and_reimport_unchanged(
    tmp_path: Path, lib: Library
) -> None:
    import json
    import sqlite3

    from readinglist import recordtype
    from readinglist.bibtex.writer import entry_for

    bib = _entry_with_abstract(tmp_path)
    (entry,) = parse_bibtex_file(bib).entries
    record = json.loads(entry.meta.bib_source or "")
    record["meta"]["abstract"] = entry.meta.abstract  # the old layout: the value, no digest
    del record["digests"]
    old = json.dumps(record, ensure_ascii=False, sort_keys=True)
    meta = recordtype.replace(entry.meta, bib_source=old)
    assert LONG_ABSTRACT in entry_for("smith2024bounds", meta)
    changed = recordtype.replace(meta, abstract="Another abstract.")
    written = entry_for("smith2024bounds", changed, include_abstract=True)
    assert "Another abstract." in written and LONG_ABSTRACT not in written

    citations.import_bib(lib, bib)
    con = sqlite3.connect(lib.db_path)
    try:
        with con:
            con.execute("UPDATE papers SET bib_source = ?", (old,))
        before = con.execute("SELECT * FROM papers").fetchall()
        citations.import_bib(lib, bib)  # the same file again, after an upgrade: nothing rewritten
        assert con.execute("SELECT * FROM papers").fetchall() == before
    finally:
        con.close()
