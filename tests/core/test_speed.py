"""Issue 16: the 0010_speed migration (FTS5 prefix indexes, sort indexes) and the stdlib read path."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from readinglist.db import engine as dbengine
from readinglist.records import FeedItem, PaperFilter, PaperMeta
from readinglist.services import ingest
from readinglist.services.library import Library
from tests.conftest import statements_of

WORDS = ("model", "modal", "mode", "transformer", "transport", "graph", "grammar", "müller")


def _fill(lib: Library, n: int = 60) -> None:
    day = dt.date(2024, 5, 1)
    items = [
        FeedItem(
            PaperMeta(
                title=f"{WORDS[i % 8]} {WORDS[(i * 3) % 8]} study {i}",
                authors=(f"Author{i % 7} Name", "Jörg Müller"),
                arxiv_id=f"2405.{10000 + i}",
                abstract=" ".join(WORDS[(i + k) % 8] for k in range(5)),
                published=day,
            ),
            day,
            upvotes=i % 13,
        )
        for i in range(n)
    ]
    with lib.change("fill", undoable=False) as tx:
        ingest.ingest_feed_items(tx, day, items, make_key=lib.make_citekey)
        tx.index_pdf_text(1, ["page one about modular things", "", "page three: transformers"])


def _fts_rows(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    con = sqlite3.connect(db)
    try:
        papers = con.execute("SELECT rowid, * FROM papers_fts ORDER BY rowid").fetchall()
        pdf = con.execute("SELECT rowid, * FROM pdf_fts ORDER BY rowid").fetchall()
    finally:
        con.close()
    return papers, pdf


def _fts_sql(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return " ".join(r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE name LIKE '%_fts'"))
    finally:
        con.close()


QUERIES = ("mod*", "tra*", "gr*", "model", "m*", "author:müller mode*", '"model study"', "transformers")


@pytest.mark.sqlite_file
def test_migration_rebuilds_the_fts_tables_losslessly_both_ways(lib: Library) -> None:
    from alembic import command

    _fill(lib)
    before = _fts_rows(lib.db_path)
    results = {q: [h.paper_id for h in lib.search(q, limit=None)] for q in QUERIES}
    assert before[0] and before[1] and all(results[q] for q in ("mod*", "m*", "tra*"))
    # papers_fts indexes one-letter prefixes too (0016_search); the PDF pages two and three.
    assert _fts_sql(lib.db_path).count("prefix='1 2 3'") == 1
    assert _fts_sql(lib.db_path).count("prefix='2 3'") == 1
    cfg = dbengine._alembic_config(lib._engine)
    command.downgrade(cfg, "0006_interop")
    assert "prefix" not in _fts_sql(lib.db_path)
    assert _fts_rows(lib.db_path) == before
    # The same answers without the prefix index (the slow way) ...
    assert {q: [h.paper_id for h in lib.search(q, limit=None)] for q in QUERIES} == results
    command.upgrade(cfg, "head")
    # ... and with it again, every row (PDF pages included) carried over with its rowid.
    assert _fts_rows(lib.db_path) == before
    assert {q: [h.paper_id for h in lib.search(q, limit=None)] for q in QUERIES} == results


@pytest.mark.sqlite_file
def test_every_sort_reads_an_index(lib: Library) -> None:
    from readinglist.db.queries import SORTS, _order_sql

    _fill(lib, 5)
    con = sqlite3.connect(lib.db_path)
    try:
        for key in (*SORTS, None):
            for desc in (True, False):
                order = _order_sql(PaperFilter(), key, desc)
                plan = con.execute(
                    f"EXPLAIN QUERY PLAN SELECT p.id FROM papers p WHERE p.dismissed = 0 ORDER BY {order} LIMIT 50"
                ).fetchall()
                text = " ".join(str(r[-1]) for r in plan)
                # SQLite reads the row for an expression index (the first author): not covering.
                using = "USING INDEX" if key == "author" else "USING COVERING INDEX"
                assert using in text and "TEMP B-TREE" not in text, (key, desc, text)
    finally:
        con.close()


def test_the_keys_of_a_saved_export_come_from_an_index_alone(lib: Library) -> None:
    """An export of the saved papers first reads their keys: from ``ix_papers_export`` (0017),
    not from rows that hold the abstract and the .bib source before the key."""
    from readinglist.db.queries import export_keys_statement
    from readinglist.services import exporting, papers

    _fill(lib, 5)
    papers.save(lib, lib.paper_ids(PaperFilter())[:3])
    sql, params = export_keys_statement(PaperFilter(saved=True), exporting.LEFT_OUT)
    assert "entry_type" in sql  # standalone notes are left out by the index too
    con = sqlite3.connect(lib.db_path)
    try:
        plan = " ".join(str(r[-1]) for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    finally:
        con.close()
    assert "USING COVERING INDEX ix_papers_export" in plan, plan
    saved = [pid for _, pid in exporting.citable(lib, PaperFilter(saved=True))]
    assert sorted(saved) == sorted(lib.paper_ids(PaperFilter(saved=True))) and len(saved) == 3


def test_reads_inside_a_change_see_its_writes_and_outside_see_the_commit(lib: Library) -> None:
    from sqlalchemy import text

    _fill(lib, 3)
    with lib.change("retitle") as tx:
        tx.capture_papers([1])
        tx.session.execute(text("UPDATE papers SET title = 'Renamed inside' WHERE id = 1"))
        assert lib.get(1).title == "Renamed inside"  # the change's own session
    assert lib.get(1).title == "Renamed inside"  # a fresh snapshot on the stdlib connection
    assert [h.paper_id for h in lib.search("renamed")] == [1]


def test_a_current_library_opens_without_the_orm(tmp_path: Path) -> None:
    Library.open(tmp_path).close()
    lib = Library.open(tmp_path)
    try:
        assert lib._unit is None and lib._engine_obj is None
        assert lib.list_papers(PaperFilter()) == []
        assert lib._unit is None  # reads did not open the unit of work
    finally:
        lib.close()


def _cached_count(lib: Library) -> int:
    con = sqlite3.connect(lib.db_path)
    try:
        return int(con.execute("SELECT count(*) FROM rendered_entries").fetchone()[0])
    finally:
        con.close()


@pytest.mark.sqlite_file
def test_export_keeps_rendered_entries_until_their_paper_changes(lib: Library) -> None:
    from sqlalchemy import text

    from readinglist.bibtex.writer import HEADER, write_bibtex
    from readinglist.services import exporting

    _fill(lib, 30)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    assert exporting.HEADER == HEADER
    first = exporting.export_text(lib, ids)
    assert first == write_bibtex(exporting.entries_for(lib, ids))  # byte for byte the writer's
    assert _cached_count(lib) == 30
    assert exporting.export_text(lib, ids) == first  # from the kept entries
    with lib.change("retitle") as tx:
        tx.capture_papers([2])
        tx.session.execute(text("UPDATE papers SET title = 'A brand new title' WHERE id = 2"))
    assert _cached_count(lib) == 29  # the trigger dropped the changed paper's entry
    again = exporting.export_text(lib, ids)
    assert "A brand new title" in again and again == write_bibtex(exporting.entries_for(lib, ids))
    from readinglist.services import history

    history.undo(lib)  # undo rewrites the row too: its entry goes again
    assert exporting.export_text(lib, ids) == first


@pytest.mark.sqlite_file
def test_entries_rendered_by_another_writer_are_not_used(lib: Library, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from readinglist.services import exporting

    _fill(lib, 5)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    first = exporting.export_text(lib, ids)
    con = sqlite3.connect(lib.db_path)
    con.execute("UPDATE rendered_entries SET text = 'stale'")
    con.commit()
    con.close()
    monkeypatch.setattr(exporting, "_WRITER_VERSION", "another writer")
    assert exporting.export_text(lib, ids) == first


@pytest.mark.sqlite_file
def test_entries_read_before_another_commit_are_not_kept(lib: Library, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from readinglist.services import exporting

    _fill(lib, 5)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    real = exporting.render_with

    def render_then_someone_commits(*a, **kw):  # type: ignore[no-untyped-def]
        out = real(*a, **kw)
        other = sqlite3.connect(lib.db_path)
        other.execute("UPDATE papers SET title = 'Changed meanwhile' WHERE id = 1")
        other.commit()
        other.close()
        return out

    monkeypatch.setattr(exporting, "render_with", render_then_someone_commits)
    exporting.export_text(lib, ids)
    assert _cached_count(lib) == 0


@pytest.mark.sqlite_file
def test_a_writer_at_work_means_nothing_is_kept_and_the_export_does_not_wait(lib: Library) -> None:
    import time

    from readinglist.services import exporting

    _fill(lib, 5)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    other = sqlite3.connect(lib.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        t = time.monotonic()
        text = exporting.export_text(lib, ids)
        waited = time.monotonic() - t
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert text == exporting.export_text(lib, ids)  # the same export, rendered again
    assert waited < 5  # the busy timeout is 10 s: it did not wait for the lock
    assert _cached_count(lib) == 5  # kept by the second export, once the lock was free


@pytest.mark.sqlite_file
def test_the_kept_entries_are_written_without_the_unit_of_work(lib: Library) -> None:
    """A cold export keeps its entries on the stdlib connection: no undo step, no Changes."""
    from readinglist.services import exporting, history

    _fill(lib, 5)
    steps = history.count(lib)
    seen: list[object] = []
    lib.on_change.append(seen.append)
    try:
        exporting.export_text(lib, lib.paper_ids(PaperFilter(dismissed=None)))
    finally:
        lib.on_change.remove(seen.append)
    assert _cached_count(lib) == 5
    assert seen == []
    assert history.count(lib) == steps


@pytest.mark.sqlite_file
@pytest.mark.parametrize(
    "query", ["mod*", "transformers", "author:müller mode*", "tag:hot gr*", "m* year:2024"]
)
def test_a_sorted_search_is_its_hits_sorted(lib: Library, query: str) -> None:
    """A sorted search is one query over the hit set (0016_search); it must hold exactly the
    papers the ranked search finds (PDF-only hits included), in the sort's order."""
    from readinglist.services import papers

    _fill(lib)
    with lib.change("tag", undoable=False) as tx:
        papers.add_tags(tx, [i for i in range(1, 61) if i % 4 == 0], ["hot"])
    hits = lib.search(query, limit=None)
    assert hits, query
    if query == "transformers":  # paper 1 has the word only on a PDF page
        assert any(h.paper_id == 1 and not h.in_metadata for h in hits)
    rows = {i: lib.get(i) for i in (h.paper_id for h in hits)}
    for desc in (False, True):
        got = lib.paper_ids(PaperFilter(query=query), sort="upvotes", descending=desc)
        want = sorted(rows, key=lambda i: (rows[i].upvotes, i), reverse=desc)
        assert got == want, (query, desc)
        got = lib.paper_ids(PaperFilter(query=query), sort="title", descending=desc, limit=5)
        want = sorted(rows, key=lambda i: (rows[i].meta.title.lower(), i), reverse=desc)[:5]
        assert got == want, (query, desc)


@pytest.mark.sqlite_file
def test_a_filtered_search_reads_id_sets_not_rows(lib: Library) -> None:
    """Joined filters are id sets the FTS scan tests; the scan is never driven from a set."""
    from readinglist.db.queries import _apply_filters, _Where
    from readinglist.search import parse_query

    _fill(lib, 5)
    w = _Where()
    _apply_filters(w, PaperFilter(dismissed=False), parse_query("tag:hot -tag:old year:2024 model"))
    assert w.has_sets and sum(c.startswith("+p.id ") for c in w.clauses) == 3
    con = sqlite3.connect(lib.db_path)
    try:
        sql = (
            "EXPLAIN QUERY PLAN SELECT papers_fts.rowid FROM papers_fts WHERE papers_fts MATCH 'model' "
            f"AND +papers_fts.rowid IN (SELECT p.id FROM papers p{w.sql()})"
        )
        plan = " ".join(str(r[-1]) for r in con.execute(sql, w.params))
    finally:
        con.close()
    assert "SCAN papers_fts VIRTUAL TABLE" in plan and "ix_papers_year" in plan, plan


@pytest.mark.parametrize("dismissed", [False, True, None], ids=["kept", "dismissed", "all"])
def test_a_search_with_id_sets_finds_what_each_filter_alone_allows(
    lib: Library, dismissed: bool | None
) -> None:
    """The id-set forms of a search (sets alone, sets less the dismissed papers, sets within
    the column filters) find exactly the hits the plain match finds that every filter admits."""
    from readinglist.services import papers

    _fill(lib, 40)
    ids = lib.paper_ids(PaperFilter(dismissed=None))
    papers.tag(lib, ids[::2], ["hot"])
    papers.tag(lib, ids[::3], ["old"])
    papers.dismiss(lib, ids[::5])
    rows = {r.id: r for r in lib.get_many(ids)}
    for word in ("model", "trans*", "graph"):
        matched = {h.paper_id for h in lib.search(word, f=PaperFilter(dismissed=None), limit=None)}
        for query, admits in (
            (f"tag:hot {word}", lambda r: "hot" in r.tags),
            (f"tag:hot -tag:old {word}", lambda r: "hot" in r.tags and "old" not in r.tags),
            (f"-tag:old {word}", lambda r: "old" not in r.tags),
            (f"tag:hot tag:old {word}", lambda r: "hot" in r.tags and "old" in r.tags),
        ):
            want = {
                i for i in matched
                if admits(rows[i]) and (dismissed is None or rows[i].dismissed == dismissed)
            }  # fmt: skip
            got = [h.paper_id for h in lib.search(query, f=PaperFilter(dismissed=dismissed), limit=None)]
            assert len(got) == len(set(got)) and set(got) == want, (query, dismissed)
            assert want or dismissed is True, query  # the fixture leaves something to find


def test_creating_papers_never_reads_the_pdf_text_index_and_undo_still_removes_them(
    lib: Library, tmp_path: Path
) -> None:
    """The text index has no index on ``paper_id``: each lookup there reads every page of every
    PDF. A new paper has no pages until its PDF is indexed (which captures them itself), so an
    import looks for none, and undoing it still leaves the other papers' pages alone."""

    from readinglist.services import citations, history

    _fill(lib, 5)  # paper 1 has PDF text
    on_file = lib._engine.dialect.name == "sqlite"
    pages_before = _fts_rows(lib.db_path)[1] if on_file else None
    bib = tmp_path / "new.bib"
    bib.write_text(
        "".join(
            f"@article{{new{i},\n  title = {{Fresh paper {i}}},\n  author = {{Doe, Jane}},\n  year = {{2024}}\n}}\n"
            for i in range(30)
        ),
        encoding="utf-8",
    )
    with statements_of(lib) as statements:
        report = citations.import_bib(lib, bib)
    assert len(report.added) == 30
    assert statements and not [s for s in statements if "pdf_fts" in s]
    history.undo(lib)
    assert len(lib.paper_ids(PaperFilter(dismissed=None))) == 5
    assert [h.paper_id for h in lib.search("modular")] == [1]  # its PDF text is still found
    if on_file:
        assert _fts_rows(lib.db_path)[1] == pages_before


def test_replacing_a_papers_pdf_text_deletes_its_pages_by_rowid(lib: Library) -> None:
    """The pages the capture read are deleted by rowid (``paper_id`` is not indexed in the text
    index); a second replacement in the same change, whose pages the capture never saw, looks
    them up; undo brings the first pages back."""

    from readinglist.services import history

    _fill(lib, 3)  # paper 1: two pages of text
    with statements_of(lib) as statements, lib.change("reindex") as tx:
        assert tx.index_pdf_text(1, ["a fresh zyxfirstpass page", "another"]) == 2
        first = list(statements)
        assert tx.index_pdf_text(1, ["the zyxsecondpass page"]) == 1
    deletes = [s for s in first if s.startswith("DELETE FROM pdf_fts")]
    assert deletes and all("rowid IN" in s for s in deletes), deletes
    assert [s for s in statements[len(first) :] if "DELETE FROM pdf_fts WHERE paper_id" in s]
    assert [h.paper_id for h in lib.search("zyxsecondpass")] == [1]
    assert lib.search("zyxfirstpass") == [] and lib.search("modular") == []
    history.undo(lib)
    assert [h.paper_id for h in lib.search("modular")] == [1]
    assert lib.search("zyxsecondpass") == []
