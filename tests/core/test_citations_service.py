"""Citations through the library: export, import with merging, stable keys, auto-export."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from readinglist.cli.main import main
from readinglist.errors import BibtexError
from readinglist.records import PaperFilter
from readinglist.services import citations, exporting, papers, sync
from readinglist.services.autoexport import AutoExporter
from readinglist.services.library import Library
from tests.conftest import FIXTURES, FixtureServer

D30, D31 = dt.date(2024, 5, 30), dt.date(2024, 5, 31)


def test_export_is_deterministic_and_reads_back(served_lib: Library) -> None:
    import bibtexparser

    sync.sync_days(served_lib, [D30, D31])
    ids = served_lib.paper_ids(PaperFilter())
    first = citations.bibtex_for(served_lib, ids)
    assert first == citations.bibtex_for(served_lib, ids)
    parsed = bibtexparser.parse_string(first)
    assert not parsed.failed_blocks
    keys = {e.key for e in parsed.entries}
    assert keys == {r.citekey for r in served_lib.get_many(ids)}
    entry = next(e for e in parsed.entries if e.fields_dict["eprint"].value == "2405.20204")
    assert entry.entry_type == "misc" and entry.fields_dict["archiveprefix"].value == "arXiv"


def test_import_then_export_into_a_fresh_library_gives_the_same_file(
    served_lib: Library, tmp_path: Path
) -> None:
    sync.sync_days(served_lib, [D30, D31])
    ids = served_lib.paper_ids(PaperFilter())
    exported = citations.bibtex_for(served_lib, ids)
    (tmp_path / "refs.bib").write_text(exported, encoding="utf-8")
    fresh = Library.open(tmp_path / "fresh", served_lib.endpoints)
    try:
        report = citations.import_bib(fresh, tmp_path / "refs.bib")
        assert report.problems == [] and len(report.added) == len(ids)
        again = citations.bibtex_for(fresh, fresh.paper_ids(PaperFilter()))
        assert again == exported
    finally:
        fresh.close()


def test_import_merges_by_arxiv_id_doi_and_title_without_overwriting(
    served_lib: Library, tmp_path: Path
) -> None:
    lib = served_lib
    sync.sync_days(lib, [D31])
    pid = lib.resolve("2405.20204")
    key = lib.get(pid).citekey
    papers.tag(lib, [pid], ["mine"])
    papers.append_note(lib, pid, "my note")
    bib = tmp_path / "scholar.bib"
    bib.write_text(
        "@article{xiao2024jina,\n  title={Jina CLIP: Your CLIP Model Is Also Your Text Retriever},\n"
        "  author={Somebody, Else},\n  journal={arXiv preprint arXiv:2405.20204},\n  year={2024}\n}\n",
        encoding="utf-8",
    )
    report = citations.import_bib(lib, bib)
    assert report.added == [] and report.merged == [pid]
    row = lib.get(pid)
    assert row.citekey == key and row.tags == ("mine",) and row.note == "my note\n"
    assert row.authors[0] != "Else Somebody"  # the library's own data wins
    assert row.saved


@pytest.mark.parametrize("name", ["zotero.bib", "jabref.bib", "scholar.bib", "arxiv.bib", "crossref.bib"])
def test_fixture_files_import_cleanly_and_reimport_adds_nothing(lib: Library, name: str) -> None:
    report = citations.import_bib(lib, FIXTURES / "bib" / name)
    expected = (
        ["crossref.bib:16: orphan2021: crossref 'missing2021' not found"] if name == "crossref.bib" else []
    )
    assert report.added and report.problems == expected
    n = lib.count(PaperFilter(dismissed=None))
    again = citations.import_bib(lib, FIXTURES / "bib" / name)
    assert again.added == [] and lib.count(PaperFilter(dismissed=None)) == n


def test_broken_file_reports_lines_and_imports_the_rest(lib: Library) -> None:
    report = citations.import_bib(lib, FIXTURES / "bib" / "broken.bib")
    assert report.added and report.problems
    assert all(p.startswith("broken.bib:") and p.split(":")[1].isdigit() for p in report.problems)


def test_imported_keys_are_kept_when_free(lib: Library, tmp_path: Path) -> None:
    bib = tmp_path / "a.bib"
    bib.write_text(
        "@book{knuth84,\n  title = {The TeXbook},\n  author = {Knuth, Donald E.},\n  year = {1984}\n}\n"
    )
    pid = citations.import_bib(lib, bib).added[0]
    assert lib.get(pid).citekey == "knuth84"


def test_rekey_only_on_request_and_unique(served_lib: Library) -> None:
    sync.sync_days(served_lib, [D31])
    a, b = served_lib.resolve("2405.20204"), served_lib.resolve("2405.19107")
    old = served_lib.get(a).citekey
    assert citations.rekey(served_lib, a, "jina2024") == "jina2024"
    with pytest.raises(BibtexError):
        citations.rekey(served_lib, b, "jina2024")
    with pytest.raises(BibtexError):
        citations.rekey(served_lib, b, "bad key,")
    assert citations.rekey(served_lib, a) == old  # back to the pattern's key
    sync.sync_days(served_lib, [D31])
    assert served_lib.get(a).citekey == old


def test_autoexport_follows_changes_atomically_and_only_when_content_changes(
    served_lib: Library, tmp_path: Path
) -> None:
    lib = served_lib
    sync.sync_days(lib, [D31])
    pid = lib.resolve("2405.20204")
    target = tmp_path / "thesis" / "refs.bib"
    target.parent.mkdir()
    papers.tag(lib, [pid], ["thesis"])
    citations.add_autoexport(lib, target, "tag", "thesis")
    assert "2405.20204" in target.read_text()
    mtime = target.stat().st_mtime_ns
    assert citations.refresh_autoexports(lib) == []  # nothing changed: not rewritten
    assert target.stat().st_mtime_ns == mtime
    other = lib.resolve("2405.19107")
    papers.tag(lib, [other], ["thesis"])
    assert citations.refresh_autoexports(lib) == [str(target.resolve())]
    assert "2405.19107" in target.read_text()
    assert sorted(os.listdir(target.parent)) == ["refs.bib"]  # no temp files left behind
    citations.remove_autoexport(lib, target)
    assert target.exists() and exporting.autoexports(lib) == []


def test_debounced_autoexporter(served_lib: Library, tmp_path: Path) -> None:
    sync.sync_days(served_lib, [D31])
    target = tmp_path / "saved.bib"
    citations.add_autoexport(served_lib, target, "saved")
    exporter = AutoExporter(served_lib, delay=30)
    papers.save(served_lib, [served_lib.resolve("2405.20204")])
    assert "2405.20204" not in target.read_text()  # debounced: not yet
    exporter.flush()
    assert "2405.20204" in target.read_text()
    exporter.close()


def test_autoexport_refuses_unknown_tags_and_non_bib_paths(lib: Library, tmp_path: Path) -> None:
    from readinglist.errors import NotFoundError

    with pytest.raises(NotFoundError):
        citations.add_autoexport(lib, tmp_path / "x.bib", "tag", "nope")
    with pytest.raises(BibtexError):
        citations.add_autoexport(lib, tmp_path / "x.txt", "saved")


def test_cli_export_import_autoexport_rekey(fixture_server: FixtureServer, library_dir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    fixture_server.env(monkeypatch)
    L = ["--library", str(library_dir)]
    assert main([*L, "sync", "--date", "2024-05-31"]) == 0
    assert main([*L, "tag", "2405.20204", "clip"]) == 0
    out = tmp_path / "refs.bib"
    assert main([*L, "export", "--tag", "clip", "-o", str(out)]) == 0
    assert "2405.20204" in out.read_text()
    capsys.readouterr()
    assert main([*L, "export", "2405.20204", "2405.19107"]) == 0
    stdout = capsys.readouterr().out
    assert stdout.count("@misc{") == 2
    assert main([*L, "autoexport", "add", str(tmp_path / "auto.bib"), "--tag", "clip"]) == 0
    assert main([*L, "tag", "2405.19107", "clip"]) == 0  # the CLI refreshes auto-exports after changes
    assert "2405.19107" in (tmp_path / "auto.bib").read_text()
    capsys.readouterr()
    assert main([*L, "autoexport", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["scope"] == "tag"
    assert main([*L, "rekey", "2405.20204", "mykey"]) == 0
    assert "@misc{mykey," in (tmp_path / "auto.bib").read_text()
    assert main([*L, "import", str(FIXTURES / "bib" / "broken.bib")]) == 0
    assert "problem:" in capsys.readouterr().err
    assert main([*L, "export", "--list", "no such list"]) == 1
    assert main([*L, "check"]) == 0
