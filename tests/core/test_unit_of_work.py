"""The unit of work on a real library: one transaction per operation, the index current after
each, one notification after commit (none on rollback), and undo/redo in the core."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from readinglist.db.schema import utcnow
from readinglist.errors import NotFoundError, ReadingListError
from readinglist.records import AnnotationRecord, Changes, FeedDay, FeedItem, PaperFilter, PaperMeta
from readinglist.services import annotations, history, papers, reading_lists, tagging
from readinglist.services.citations import import_bib, rekey
from readinglist.services.library import Library
from readinglist.services.sync import ingest_day


def meta(n: int, **kw: object) -> PaperMeta:
    base: dict[str, object] = {
        "title": f"Paper number {n} on contrastive retrieval",
        "authors": ("Jörg Günther", "Ana Martínez"),
        "arxiv_id": f"2405.{20000 + n:05d}",
        "version": 1,
        "abstract": f"We study topic {n} with sparse kernels.",
        "published": dt.date(2024, 5, 1 + n % 28),
    }
    base.update(kw)
    return PaperMeta(**base)  # type: ignore[arg-type]


def found(lib: Library, query: str) -> set[int]:
    return {h.paper_id for h in lib.search(query, f=PaperFilter(dismissed=None))}


def dump(lib: Library) -> list[str]:
    """Every row of every table (search index included), in a stable order."""
    con = sqlite3.connect(lib.db_path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def two(lib: Library) -> tuple[int, int]:
    ids, _ = papers.upsert(lib, [meta(1), meta(2)], save=True)
    return ids[0], ids[1]


# -- notifications ---------------------------------------------------------------------------------


def test_one_change_notifies_once_after_commit_and_a_failed_one_not_at_all(
    lib: Library, two: tuple[int, int]
) -> None:
    seen: list[Changes] = []
    lib.on_change.append(seen.append)
    papers.tag(lib, list(two), ["x", "y"])
    assert len(seen) == 1 and seen[0].papers == frozenset(two) and seen[0].tags and seen[0].history
    with pytest.raises(NotFoundError):
        papers.tag(lib, [two[0], 999_999], ["z"])  # one id is unknown: nothing changes
    assert len(seen) == 1
    assert "z" not in {t.name for t in lib.tags()}


def test_nested_changes_are_one_transaction_and_one_step(lib: Library, two: tuple[int, int]) -> None:
    before = len(history.history(lib, 100))
    seen: list[Changes] = []
    lib.on_change.append(seen.append)
    with pytest.raises(RuntimeError), lib.change("Two things"):
        papers.tag(lib, [two[0]], ["inner"])
        papers.set_note(lib, two[0], "written inside")
        raise RuntimeError("the outer operation fails after its helpers ran")
    assert lib.get(two[0]).note == "" and "inner" not in lib.get(two[0]).tags and seen == []
    with lib.change("Two things"):
        papers.tag(lib, [two[0]], ["inner"])
        papers.set_note(lib, two[0], "written inside")
    assert len(seen) == 1 and len(history.history(lib, 100)) == before + 1
    history.undo(lib)
    row = lib.get(two[0])
    assert row.note == "" and "inner" not in row.tags


# -- the index follows every operation ------------------------------------------------------------


def test_index_is_current_after_each_operation(lib: Library, two: tuple[int, int]) -> None:
    a, b = two
    papers.tag(lib, [a], ["quantumfoam"])
    assert found(lib, "tag:quantumfoam") == {a} and found(lib, "quantumfoam") == {a}
    tagging.rename(lib, "quantumfoam", "stringfoam")
    assert found(lib, "stringfoam") == {a} and found(lib, "quantumfoam") == set()
    tagging.delete(lib, "stringfoam")
    assert found(lib, "stringfoam") == set()
    papers.set_note(lib, b, "marsupial thoughts")
    assert found(lib, "marsupial") == {b}
    papers.append_note(lib, b, "wombat addendum")
    assert found(lib, "wombat") == {b} and found(lib, "marsupial") == {b}
    rec = annotations.add_annotation(
        lib,
        a,
        AnnotationRecord(None, 0, "highlight", rects=((1, 2, 3, 4),), text="platypus", comment="echidna"),
    )
    assert found(lib, "platypus") == {a} and found(lib, "echidna") == {a}
    assert rec.id is not None
    annotations.update_annotation(lib, rec.id, comment="numbat")
    assert found(lib, "numbat") == {a} and found(lib, "echidna") == set()
    annotations.delete_annotation(lib, rec.id)
    assert found(lib, "platypus") == set()
    history.undo(lib)  # the deleted annotation comes back, and with it its text in the index
    assert found(lib, "platypus") == {a}
    papers.delete_papers(lib, [b])
    assert found(lib, "wombat") == set()
    history.undo(lib)
    assert found(lib, "wombat") == {b}


# -- undo and redo --------------------------------------------------------------------------------


def test_tag_undo_redo_and_history(lib: Library, two: tuple[int, int]) -> None:
    a, _ = two
    papers.tag(lib, [a], ["x"])
    assert found(lib, "tag:x") == {a}
    res = history.undo(lib)
    assert res.label.startswith("Tag") and "x" not in lib.get(a).tags and found(lib, "tag:x") == set()
    history.redo(lib)
    assert "x" in lib.get(a).tags and found(lib, "tag:x") == {a}
    steps = history.history(lib, 10)
    assert [s.state for s in steps[:2]] == ["done", "done"]
    assert steps[0].label.startswith("Tag") and steps[1].label.startswith("Add")
    assert steps[0].to_json()["label"] == steps[0].label


@pytest.mark.parametrize(
    ("do", "read"),
    [
        (lambda lib, i: papers.dismiss(lib, [i]), lambda r: r.dismissed),
        (lambda lib, i: papers.set_status(lib, [i], "read"), lambda r: r.status),
        (lambda lib, i: papers.star(lib, [i]), lambda r: r.starred),
        (lambda lib, i: papers.set_rating(lib, [i], 4), lambda r: r.rating),
        (lambda lib, i: papers.set_note(lib, i, "new text"), lambda r: r.note),
        (lambda lib, i: papers.save(lib, [i], False), lambda r: r.saved),
        (lambda lib, i: rekey(lib, i, "brandnewkey2024"), lambda r: r.citekey),
        (lambda lib, i: reading_lists.add(lib, "Queue", [i]), lambda r: r.lists),
    ],
)
def test_each_user_action_undoes_to_the_earlier_value(
    lib: Library, two: tuple[int, int], do: Callable[[Library, int], object], read: Callable[[object], object]
) -> None:
    a, _ = two
    papers.set_note(lib, a, "old text")
    reading_lists.create(lib, "Queue")  # the note edit below is a step of its own, not folded into this one
    before = read(lib.get(a))
    do(lib, a)
    after = read(lib.get(a))
    assert after != before
    history.undo(lib)
    assert read(lib.get(a)) == before
    history.redo(lib)
    assert read(lib.get(a)) == after


def test_working_on_a_paper_keeps_it_and_undo_puts_it_back(lib: Library) -> None:
    (pid,), _ = papers.upsert(lib, [meta(7)])
    assert not lib.get(pid).saved
    papers.tag(lib, [pid], ["kept"])
    assert lib.get(pid).saved
    history.undo(lib)
    row = lib.get(pid)
    assert not row.saved and row.tags == ()


def test_undo_of_a_bib_import_removes_exactly_what_it_added(lib: Library, tmp_path: Path) -> None:
    (old,), _ = papers.upsert(lib, [meta(3)], save=True)
    papers.tag(lib, [old], ["mine"])
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{new1, title={A Brand New Idea About Lattices}, author={Doe, Jane}, year=2020}\n"
        "@article{new2, title={Another Brand New Idea About Graphs}, author={Roe, Rick}, year=2021}\n"
        f"@misc{{dup, title={{{meta(3).title}}}, eprint={{{meta(3).arxiv_id}}}, archiveprefix={{arXiv}},"
        " doi={10.1234/filled.in}}\n",
        encoding="utf-8",
    )
    before = {r.id: r for r in lib.list_papers(PaperFilter(dismissed=None))}
    report = import_bib(lib, bib)
    assert len(report.added) == 2 and report.merged == [old]
    assert lib.get(old).doi == "10.1234/filled.in"
    history.undo(lib)
    after = {r.id: r for r in lib.list_papers(PaperFilter(dismissed=None))}
    assert after == before  # the two new papers are gone, the merged one is as it was
    assert lib.get(old).doi is None and found(lib, "lattices") == set()
    history.redo(lib)
    assert {r.title for r in lib.list_papers(PaperFilter(dismissed=None))} >= {
        "A Brand New Idea About Lattices",
        "Another Brand New Idea About Graphs",
    }


def test_note_edits_coalesce_per_paper_and_minute(lib: Library, two: tuple[int, int]) -> None:
    a, b = two
    n = len(history.history(lib, 100))
    for text in ("d", "dr", "dra", "draft"):
        papers.set_note(lib, a, text)
    papers.set_note(lib, b, "other paper")
    assert len(history.history(lib, 100)) == n + 2
    history.undo(lib)
    history.undo(lib)
    assert lib.get(a).note == "" and lib.get(b).note == ""


def test_undo_after_a_sync_restores_user_data_and_keeps_the_sync(lib: Library, two: tuple[int, int]) -> None:
    a, _ = two
    papers.dismiss(lib, [a])
    papers.set_note(lib, a, "my reading notes")
    day = dt.date(2024, 5, 28)
    updated = meta(1, title="Paper number 1 on contrastive retrieval, revised", version=2)
    ingest_day(lib, FeedDay(day, (FeedItem(updated, day, upvotes=42),)))
    history.undo(lib)  # the note
    history.undo(lib)  # the dismiss
    row = lib.get(a)
    assert row.note == "" and not row.dismissed
    assert row.title.endswith("revised") and row.upvotes == 42 and day in row.feed_dates


def test_a_column_changed_since_is_left_alone_and_reported(lib: Library, two: tuple[int, int]) -> None:
    a, _ = two
    papers.set_status(lib, [a], "read")
    with lib.change("Another member's change", undoable=False) as tx:  # not in our history
        from sqlalchemy import update

        from readinglist.db.schema import Paper

        tx.session.execute(update(Paper).where(Paper.id == a).values(status="reading"))
    res = history.undo(lib)
    assert lib.get(a).status == "reading" and any("status" in c for c in res.conflicts)


def test_nothing_to_undo_or_redo_is_a_clear_error(lib: Library) -> None:
    with pytest.raises(NotFoundError, match="nothing to undo"):
        history.undo(lib)
    with pytest.raises(NotFoundError, match="nothing to redo"):
        history.redo(lib)


def test_a_new_step_clears_redo_and_history_keeps_at_least_200_steps(
    lib: Library, two: tuple[int, int]
) -> None:
    a, _ = two
    papers.star(lib, [a])
    history.undo(lib)
    papers.set_rating(lib, [a], 3)
    with pytest.raises(NotFoundError):
        history.redo(lib)
    for n in range(210):
        papers.set_status(lib, [a], ("unread", "reading", "read")[n % 3])
    assert history.count(lib) >= 200
    for _ in range(200):
        history.undo(lib)
    assert lib.get(a).status == "unread" and lib.get(a).rating == 3


def test_deleting_a_paper_is_undoable_with_its_pdf(lib: Library, tmp_path: Path) -> None:
    from readinglist.services.importer import import_pdf
    from tests.pdfgen import make_paper_pdf

    src = make_paper_pdf(tmp_path / "p.pdf", title="Hyperbolic Embeddings of Trees", authors=["Ada Byron"])
    pid, _ = import_pdf(lib, src)
    papers.tag(lib, [pid], ["geometry"])
    pdf = Path(lib.get(pid).pdf or "")
    assert pdf.is_file()
    papers.delete_papers(lib, [pid])
    assert not pdf.exists() and found(lib, "hyperbolic") == set()
    with pytest.raises(NotFoundError):
        lib.get(pid)
    history.undo(lib)
    row = lib.get(pid)
    assert row.tags == ("geometry",) and Path(row.pdf or "") == pdf and pdf.is_file()
    assert found(lib, "hyperbolic") == {pid}


# -- a failure at any step leaves the library exactly as it was -----------------------------------


class Injected(Exception):
    pass


def _fail_at(monkeypatch: pytest.MonkeyPatch, n: int) -> list[int]:
    """Make the n-th database call (execute or flush) raise; returns a counter of calls made."""
    from sqlalchemy.orm import Session

    calls = [0]
    real_execute, real_flush = Session.execute, Session.flush

    def counted(real: Callable[..., object]) -> Callable[..., object]:
        def wrapper(self: Session, *a: object, **kw: object) -> object:
            calls[0] += 1
            if calls[0] == n:
                raise Injected(f"injected failure at database call {n}")
            return real(self, *a, **kw)

        return wrapper

    monkeypatch.setattr(Session, "execute", counted(real_execute))
    monkeypatch.setattr(Session, "flush", counted(real_flush))
    return calls


def _every_step_fails_cleanly(
    lib: Library, monkeypatch: pytest.MonkeyPatch, run: Callable[[], object]
) -> int:
    before, files = dump(lib), sorted(p.name for p in lib.pdf_dir.iterdir())
    n = 1
    while True:
        with monkeypatch.context() as m:
            calls = _fail_at(m, n)
            try:
                run()
            except Injected:
                pass
            else:
                assert calls[0] < n  # no call was the n-th one: the operation completed
                return n - 1
        assert dump(lib) == before, f"a failure at database call {n} left a change behind"
        assert sorted(p.name for p in lib.pdf_dir.iterdir()) == files
        n += 1


def test_a_failure_at_each_step_of_a_bib_import_changes_nothing(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (old,), _ = papers.upsert(lib, [meta(3)], save=True)
    papers.tag(lib, [old], ["mine"])
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{new1, title={A Brand New Idea About Lattices}, author={Doe, Jane}, year=2020}\n"
        f"@misc{{dup, title={{{meta(3).title}}}, eprint={{{meta(3).arxiv_id}}}, archiveprefix={{arXiv}},"
        " journal={Journal of Things}}\n",
        encoding="utf-8",
    )
    steps = _every_step_fails_cleanly(lib, monkeypatch, lambda: import_bib(lib, bib))
    assert steps > 10  # it really went through every step
    assert {r.citekey for r in lib.list_papers(PaperFilter(dismissed=None))} >= {"new1"}


def test_a_failure_at_each_step_of_a_pdf_import_changes_nothing(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pymupdf

    from readinglist.services.importer import import_pdf
    from tests.pdfgen import make_paper_pdf

    src = make_paper_pdf(tmp_path / "p.pdf", title="Hyperbolic Embeddings of Trees", authors=["Ada Byron"])
    doc = pymupdf.open(src)  # another viewer's highlight, imported with the file
    page = doc[0]
    page.add_highlight_annot(pymupdf.Rect(60, 60, 300, 80)).set_info(content="from another viewer")
    doc.saveIncr()
    doc.close()
    papers.upsert(lib, [meta(3)], save=True)
    steps = _every_step_fails_cleanly(lib, monkeypatch, lambda: import_pdf(lib, src))
    assert steps > 10
    (pid,) = lib.paper_ids(PaperFilter(query="hyperbolic", dismissed=None))
    assert annotations.list_annotations(lib, pid)[0].comment == "from another viewer"


def test_a_failing_file_copy_leaves_nothing_behind(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.errors import PdfError
    from readinglist.services import attachments
    from readinglist.services.importer import import_pdf
    from tests.pdfgen import make_paper_pdf

    src = make_paper_pdf(tmp_path / "p.pdf", title="Hyperbolic Embeddings of Trees", authors=["Ada Byron"])
    before = dump(lib)

    def full_disk(_src: Path, dest: Path) -> None:
        dest.with_name(dest.name + ".part").write_bytes(b"half")
        raise PdfError("cannot copy: No space left on device")

    monkeypatch.setattr(attachments, "place_copy", full_disk)
    with pytest.raises(ReadingListError, match="No space"):
        import_pdf(lib, src)
    assert dump(lib) == before


# -- concurrency ----------------------------------------------------------------------------------

_WRITER = """
import sys
from readinglist.services.library import Library
from readinglist.services import papers
lib = Library.open(sys.argv[1])
pid, who, kind = int(sys.argv[2]), sys.argv[3], sys.argv[4]
for n in range(40):
    if kind == "note":
        papers.append_note(lib, pid, f"{who} line {n}")
    else:
        papers.tag(lib, [pid], [f"{who}-{n}"])
lib.close()
"""


def test_four_processes_writing_one_paper_lose_nothing(lib: Library) -> None:
    import subprocess
    import sys

    (pid,), _ = papers.upsert(lib, [meta(9)], save=True)
    root = Path(__file__).resolve().parents[2]  # -c puts the working folder first on sys.path
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(lib.root), str(pid), who, kind], cwd=root)
        for who, kind in (("a", "note"), ("b", "note"), ("c", "tag"), ("d", "tag"))
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    row = lib.get(pid)
    lines = [ln for ln in row.note.splitlines() if ln.strip()]
    assert sorted(lines) == sorted(f"{w} line {n}" for w in "ab" for n in range(40))
    assert set(row.tags) == {f"{w}-{n}" for w in "cd" for n in range(40)}


@pytest.mark.sqlite_file
def test_the_daily_backup_is_taken_once_even_when_two_start_at_once(lib: Library) -> None:
    import threading

    from readinglist.config import Endpoints

    other = Library.open(lib.root, Endpoints(arxiv_delay=0))
    try:
        barrier = threading.Barrier(2)
        results: list[object] = []

        def run(which: Library) -> None:
            barrier.wait()
            results.append(which.maybe_daily_backup())

        threads = [threading.Thread(target=run, args=(x,)) for x in (lib, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(r is not None for r in results) == 1
        assert len(list(lib.backups_dir.glob("library-*-daily.sqlite3"))) == 1
    finally:
        other.close()


def test_timestamps_are_naive_utc() -> None:
    assert utcnow().tzinfo is None
