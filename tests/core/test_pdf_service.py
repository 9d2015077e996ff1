"""The PDF side of the library: downloads attach verified files, full text is searchable,
local PDFs are identified and imported, and ``check`` finds what went wrong on disk."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from werkzeug import Request, Response

from readinglist.cli.main import main
from readinglist.services import sync
from readinglist.services.attachments import current_attachment
from readinglist.services.check import run_check
from readinglist.services.downloads import download_papers
from readinglist.services.importer import import_files
from readinglist.services.library import Library
from tests.conftest import FixtureServer, statements_of
from tests.pdfgen import make_corrupt_pdf, make_paper_pdf

D31 = dt.date(2024, 5, 31)


@pytest.fixture
def pdf_server(fixture_server: FixtureServer, tmp_path: Path) -> dict[str, bytes]:
    """Serves /pdf/<id> from a dict the test fills; unknown ids get arXiv's HTML error page."""
    pdfs: dict[str, bytes] = {}

    def handler(req: Request) -> Response:
        key = re.sub(r"v\d+$", "", req.path.rsplit("/pdf/", 1)[1])
        if key in pdfs:
            return Response(pdfs[key], content_type="application/pdf")
        return Response("<!DOCTYPE html><html><body>captcha</body></html>", content_type="text/html")

    fixture_server.server.expect_request(re.compile(r"/pdf/.*")).respond_with_handler(handler)  # type: ignore[attr-defined]
    src = make_paper_pdf(
        tmp_path / "src.pdf", title="Jina CLIP", authors=["Ilse Brandt"], pages=4,
        body_words=["jina-clip-v1", "zyxwordonlyinpdf"],
    )  # fmt: skip
    pdfs["2405.20204"] = src.read_bytes()
    return pdfs


def test_download_attaches_indexes_and_is_idempotent(
    served_lib: Library, pdf_server: dict[str, bytes]
) -> None:
    lib = served_lib
    sync.sync_days(lib, [D31])
    pid = lib.resolve("2405.20204")
    [res] = download_papers(lib, [pid])
    assert res.error is None and res.path
    path = Path(res.path)
    assert path.parent == lib.pdf_dir and path.name == f"{lib.get(pid).citekey}.pdf"
    assert lib.get(pid).pdf == str(path)
    att = current_attachment(lib, pid)
    assert att and att.page_count == 4 and att.has_text and att.text_indexed
    hits = lib.search("zyxwordonlyinpdf")
    assert [h.paper_id for h in hits] == [pid] and hits[0].pages
    assert lib.search("jina-clip-v1")[0].paper_id == pid
    # Again: nothing to do, nothing duplicated.
    [again] = download_papers(lib, [pid])
    assert again.skipped and again.path == res.path
    assert sorted(p.name for p in lib.pdf_dir.iterdir()) == [path.name]
    assert run_check(lib).ok


def test_html_instead_of_pdf_attaches_nothing(served_lib: Library, pdf_server: dict[str, bytes]) -> None:
    sync.sync_days(served_lib, [D31])
    pid = served_lib.resolve("2405.20341")
    [res] = download_papers(served_lib, [pid])
    assert res.error and "web page" in res.error
    assert served_lib.get(pid).pdf is None
    assert list(served_lib.pdf_dir.iterdir()) == []


def test_corrupt_pdf_attaches_nothing(
    served_lib: Library, pdf_server: dict[str, bytes], tmp_path: Path
) -> None:
    sync.sync_days(served_lib, [D31])
    pdf_server["2405.20341"] = make_corrupt_pdf(tmp_path / "bad.pdf").read_bytes()
    pid = served_lib.resolve("2405.20341")
    [res] = download_papers(served_lib, [pid])
    assert res.error and served_lib.get(pid).pdf is None
    assert list(served_lib.pdf_dir.iterdir()) == []
    assert run_check(served_lib).ok


def test_import_pdf_with_arxiv_stamp_fetches_metadata_and_merges(served_lib: Library, tmp_path: Path) -> None:
    lib = served_lib
    src = make_paper_pdf(
        tmp_path / "download (3).pdf", title="Some title the PDF shows", authors=["A. Person"],
        arxiv_stamp="arXiv:1706.03762v7 [cs.CL] 2 Aug 2023",
    )  # fmt: skip
    before = src.read_bytes()
    report = import_files(lib, [src])
    assert report.problems == [] and len(report.added) == 1
    row = lib.get(report.added[0])
    assert row.arxiv_id == "1706.03762" and row.title == "Attention Is All You Need" and row.saved
    assert row.pdf and Path(row.pdf).parent == lib.pdf_dir and not row.needs_review
    assert src.read_bytes() == before  # the original is left untouched
    again = import_files(lib, [src])
    assert again.added == [] and again.merged == report.added
    assert len(list(lib.pdf_dir.iterdir())) == 1


def test_import_pdf_without_id_is_flagged_for_review(lib: Library, tmp_path: Path) -> None:
    src = make_paper_pdf(tmp_path / "x.pdf", title="Sparse Mixtures of Tiny Experts for Edge Devices",
                         authors=["Wei Zhang"], metadata={"title": "", "author": "Wei Zhang"})  # fmt: skip
    report = import_files(lib, [src])
    row = lib.get(report.added[0])
    assert row.needs_review and "Sparse Mixtures" in row.title


def test_import_reports_bad_files_and_keeps_going(lib: Library, tmp_path: Path) -> None:
    good = make_paper_pdf(
        tmp_path / "good.pdf", title="A Perfectly Fine Paper About Graphs", authors=["Sam Okafor"]
    )
    bad = make_corrupt_pdf(tmp_path / "broken.pdf")
    report = import_files(lib, [bad, tmp_path / "missing.pdf", good, tmp_path])
    assert len(report.added) == 1
    assert any("broken.pdf" in p for p in report.problems) and any(
        "missing.pdf" in p for p in report.problems
    )
    assert run_check(lib).ok


def test_scan_without_text_layer_is_attached_and_flagged(lib: Library, tmp_path: Path) -> None:
    scan = make_paper_pdf(tmp_path / "scan.pdf", title="Scanned", authors=["X"], text_layer=False,
                          metadata={"title": "A Scanned Paper From The Library Archive"})  # fmt: skip
    report = import_files(lib, [scan])
    att = current_attachment(lib, report.added[0])
    assert att and not att.has_text and not att.text_indexed


def test_check_finds_missing_changed_and_stray_and_fix_relinks(lib: Library, tmp_path: Path) -> None:
    a = make_paper_pdf(
        tmp_path / "a.pdf", title="First Paper On Sparse Attention Kernels", authors=["Ana Martínez"]
    )
    b = make_paper_pdf(
        tmp_path / "b.pdf", title="Second Paper On Dense Retrieval Models", authors=["Wei Zhang"]
    )
    ra, rb = import_files(lib, [a]), import_files(lib, [b])
    pa, pb = Path(lib.get(ra.added[0]).pdf or ""), Path(lib.get(rb.added[0]).pdf or "")
    assert run_check(lib).ok
    moved = lib.pdf_dir / "renamed-by-user.pdf"
    shutil.move(pa, moved)  # the user renamed a file
    with open(pb, "ab") as f:
        f.write(b"% appended\n")  # a file changed behind our back
    (lib.pdf_dir / "notes.txt").write_text("mine")
    report = run_check(lib)
    rel = lambda p: str(p.relative_to(lib.root))  # noqa: E731
    assert report.missing == [rel(pa)] and report.changed == [rel(pb)]
    assert set(report.stray) == {rel(moved), "pdfs/notes.txt"}
    fixed = run_check(lib, fix=True)
    assert fixed.missing == [] and any("relinked" in f for f in fixed.fixed)
    assert lib.get(ra.added[0]).pdf == str(moved.resolve())
    assert (lib.pdf_dir / "notes.txt").exists()  # never deleted


def test_library_folder_can_move(lib: Library, tmp_path: Path) -> None:
    src = make_paper_pdf(tmp_path / "m.pdf", title="A Paper That Moves With Its Library", authors=["Lù Chen"])
    pid = import_files(lib, [src]).added[0]
    lib.close()
    new_root = tmp_path / "elsewhere"
    shutil.move(lib.root, new_root)
    moved = Library.open(new_root, lib.endpoints)
    try:
        pdf = Path(moved.get(pid).pdf or "")
        assert pdf.parent == new_root.resolve() / "pdfs" and pdf.is_file()
        assert run_check(moved).ok
    finally:
        moved.close()


def test_cli_download_and_show(fixture_server: FixtureServer, pdf_server: dict[str, bytes], library_dir: Path,
                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    fixture_server.env(monkeypatch)
    lib_args = ["--library", str(library_dir)]
    assert main([*lib_args, "sync", "--date", "2024-05-31"]) == 0
    assert main([*lib_args, "save", "2405.20204"]) == 0
    assert main([*lib_args, "download", "--saved"]) == 0
    capsys.readouterr()
    assert main([*lib_args, "show", "2405.20204", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["pdf"] and Path(shown["pdf"]).is_absolute() and Path(shown["pdf"]).is_file()
    assert main([*lib_args, "search", "zyxwordonlyinpdf", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found[0]["arxiv_id"] == "2405.20204" and found[0]["pdf_pages"]
    assert main([*lib_args, "download", "2405.20341"]) == 1  # HTML page: a clear failure
    assert "web page" in capsys.readouterr().err
    assert main([*lib_args, "check"]) == 0


def test_looking_up_a_papers_pdf_does_not_read_the_text_index(lib: Library, tmp_path: Path) -> None:
    """A bulk fetch asks this of every paper it is given: the index has no index on
    ``paper_id``, so counting a paper's pages there read every page of every PDF."""

    pdf = make_paper_pdf(tmp_path / "p.pdf", title="Indexed", authors=["Y"], body_words=["zyxindexedword"])
    report = import_files(lib, [pdf])
    with statements_of(lib) as statements:
        att = current_attachment(lib, report.added[0])
    assert att and att.has_text and att.text_indexed
    assert statements and not [s for s in statements if "pdf_fts" in s]
    assert [h.paper_id for h in lib.search("zyxindexedword")] == report.added
