"""readinglist.pdf.worker: extraction in a child process survives crashes and hangs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymupdf
import pytest

from readinglist.errors import PdfError
from readinglist.pdf import worker
from readinglist.pdf.document import read_pdf_text
from readinglist.pdf.worker import extract_text, verify_pdf_isolated
from tests.pdfgen import make_corrupt_pdf, make_paper_pdf


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_paper_pdf(
        tmp_path_factory.mktemp("worker") / "paper.pdf",
        title="Isolated Extraction of Portable Documents",
        authors=["Ana Günther"],
        arxiv_stamp="arXiv:2405.20204v1  [cs.CL]  31 May 2024",
        metadata={"author": "Ana Günther", "subject": "testing ünïcode"},
    )


def test_same_result_as_in_process(paper: Path) -> None:
    assert extract_text(paper) == read_pdf_text(paper)
    assert verify_pdf_isolated(paper) == 3


def test_500_pages(tmp_path: Path) -> None:
    seed = make_paper_pdf(tmp_path / "seed.pdf", title="Long Report", authors=["A"], pages=10)
    with pymupdf.open(seed) as src, pymupdf.open() as doc:
        for _ in range(50):
            doc.insert_pdf(src)
        doc.save(tmp_path / "long.pdf")
    text = extract_text(tmp_path / "long.pdf")
    assert text.page_count == 500 and len(text.pages) == 500
    assert all(len(p) > 500 for p in text.pages)
    assert text.pages[499].startswith("19 ")  # sections 19 and 20 on the seed's last page


def test_corrupt_file_error_comes_back(tmp_path: Path) -> None:
    path = make_corrupt_pdf(tmp_path / "bad.pdf")
    with pytest.raises(PdfError, match=r"bad\.pdf: damaged PDF"):
        extract_text(path)
    html = tmp_path / "page.pdf"
    html.write_text("<!DOCTYPE html><html><title>captcha</title></html>")
    with pytest.raises(PdfError, match="looks like an HTML page"):
        verify_pdf_isolated(html)


def test_crash_fails_only_that_job(paper: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(worker.CRASH_HOOK, "1")
    with pytest.raises(PdfError, match=r"the PDF reader crashed .*SIGABRT"):
        extract_text(paper)
    monkeypatch.delenv(worker.CRASH_HOOK)
    assert extract_text(paper).page_count == 3


def test_hang_is_killed_at_the_timeout(paper: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(worker.SLEEP_HOOK, "30")
    start = time.monotonic()
    with pytest.raises(PdfError, match=r"took longer than 0\.5 s"):
        extract_text(paper, timeout=0.5)
    assert time.monotonic() - start < 3
    monkeypatch.delenv(worker.SLEEP_HOOK)
    assert verify_pdf_isolated(paper) == 3


def test_parallel_callers(paper: Path) -> None:
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: extract_text(paper).page_count, range(12)))
    assert results == [3] * 12
    assert len(worker._get_pool()._idle) <= worker.MAX_SERVERS


def test_one_shot_command_line(paper: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "readinglist.pdf.worker", "--verify", str(paper)],
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert json.loads(out.stdout) == {"ok": True, "page_count": 3}
