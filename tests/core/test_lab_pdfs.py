"""PDFs of a lab library (PostgreSQL): what one member attaches, another opens without
downloading it, from the database's large objects or from a shared folder; one copy per file."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from readinglist.records import PaperMeta
from readinglist.services import history, labfiles, papers
from readinglist.services.attachments import attach_file, current_attachment
from readinglist.services.library import Library
from tests.backends import fresh_database
from tests.pdfgen import make_paper_pdf


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[Library, Library, str]]:
    url = next(gen := fresh_database())
    ann = Library.open(tmp_path / "ann", database_url=url)
    ann.member = "ann"
    bea = Library.open(tmp_path / "bea", database_url=url)
    bea.member = "bea"
    try:
        yield ann, bea, url
    finally:
        ann.close()
        bea.close()
        gen.close()


def _paper(lib: Library) -> int:
    meta = PaperMeta(
        arxiv_id="2403.00001", title="Shared PDFs", authors=("Ann Author",), published=dt.date(2024, 3, 1)
    )
    (pid,), _ = papers.upsert(lib, [meta])
    return pid


def _blobs(url: str) -> list[tuple[str, int]]:
    with create_engine(url, poolclass=NullPool).connect() as con:
        return [(str(h), int(n)) for h, n in con.execute(text("SELECT sha256, size FROM pdf_blobs"))]


def test_a_pdf_one_member_attaches_opens_for_another_from_the_database(
    lab: tuple[Library, Library, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(labfiles.SHARED_PDFS_ENV, raising=False)
    ann, bea, url = lab
    pid = _paper(ann)
    src = make_paper_pdf(
        tmp_path / "in.pdf", title="Shared PDFs", authors=["Ann Author"], pages=2, min_size=2_500_000
    )
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    mine = attach_file(ann, pid, src)
    assert _blobs(url) == [(digest, src.stat().st_size)]  # bigger than one 1 MB piece

    theirs = current_attachment(bea, pid)
    assert theirs is not None and theirs.path.is_relative_to(bea.root)
    assert theirs.path.read_bytes() == src.read_bytes() and mine.path.is_relative_to(ann.root)
    assert not list(bea.root.rglob("*.part"))

    # The same file attached again (by Bea, to the same paper) stores nothing new.
    attach_file(bea, pid, src)
    assert len(_blobs(url)) == 1


def test_a_damaged_copy_in_the_lab_store_is_not_used(
    lab: tuple[Library, Library, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(labfiles.SHARED_PDFS_ENV, raising=False)
    ann, bea, url = lab
    pid = _paper(ann)
    attach_file(ann, pid, make_paper_pdf(tmp_path / "in.pdf", title="Shared PDFs", authors=["A"], pages=1))
    with create_engine(url, poolclass=NullPool).begin() as con:
        con.execute(text("SELECT lo_put(oid, 100, '\\x00ff00'::bytea) FROM pdf_blobs"))
    assert current_attachment(bea, pid) is None  # a download is offered instead
    assert not any((bea.root / "pdfs").glob("*"))  # neither the bad copy nor its .part


def test_with_a_shared_folder_the_lab_keeps_one_file_per_content(
    lab: tuple[Library, Library, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    monkeypatch.setenv(labfiles.SHARED_PDFS_ENV, str(share))
    ann, bea, url = lab
    pid = _paper(ann)
    src = make_paper_pdf(tmp_path / "in.pdf", title="Shared PDFs", authors=["Ann Author"], pages=2)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    attach_file(ann, pid, src)
    assert [p.relative_to(share) for p in share.rglob("*.pdf")] == [Path(digest[:2]) / f"{digest}.pdf"]
    assert _blobs(url) == []  # the folder is the store

    theirs = current_attachment(bea, pid)
    assert theirs is not None and theirs.path.read_bytes() == src.read_bytes()
    attach_file(bea, pid, src)
    assert len(list(share.rglob("*.pdf"))) == 1


def test_undoing_a_deleted_paper_brings_its_pdf_back_for_the_other_member(
    lab: tuple[Library, Library, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(labfiles.SHARED_PDFS_ENV, raising=False)
    ann, bea, _url = lab
    pid = _paper(ann)
    src = make_paper_pdf(tmp_path / "in.pdf", title="Shared PDFs", authors=["Ann Author"], pages=1)
    attach_file(ann, pid, src)
    papers.delete_papers(ann, [pid])
    assert current_attachment(bea, pid) is None
    history.undo(ann)
    theirs = current_attachment(bea, pid)
    assert theirs is not None and theirs.path.read_bytes() == src.read_bytes()


def test_a_library_moved_to_the_server_shares_its_pdfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.services.migrate import migrate_to

    monkeypatch.delenv(labfiles.SHARED_PDFS_ENV, raising=False)
    url = next(gen := fresh_database())
    try:
        with Library.open(tmp_path / "ann") as mine:
            pid = _paper(mine)
            src = make_paper_pdf(tmp_path / "in.pdf", title="Shared PDFs", authors=["Ann Author"], pages=1)
            attach_file(mine, pid, src)
            migrate_to(mine, url)
        with Library.open(tmp_path / "bea", database_url=url) as bea:
            theirs = current_attachment(bea, pid)
            assert theirs is not None and theirs.path.read_bytes() == src.read_bytes()
    finally:
        gen.close()
