"""FTS5 indexes: one row per paper (metadata and user text) and one row per PDF page.

The service layer keeps them current by calling :func:`refresh_papers` after every change to a
paper's indexed text (SQL triggers cannot see tag and annotation joins cheaply).

The tables themselves belong to the migrations: ``papers_fts`` (title, abstract, authors, tags,
notes, annots; ``prefix='1 2 3'`` since 0016_search) and ``pdf_fts`` (body, paper_id, page;
``prefix='2 3'``), both tokenized ``unicode61 remove_diacritics 2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

_ROW_SELECT = """
SELECT p.id, p.title, p.abstract,
       (SELECT group_concat(value, ', ') FROM json_each(p.authors)),
       (SELECT group_concat(t.name, ' ') FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
         WHERE pt.paper_id = p.id),
       p.note,
       (SELECT group_concat(a.text || ' ' || a.comment, ' ') FROM annotations a WHERE a.paper_id = p.id)
FROM papers p
"""

_CHUNK = 500


def refresh_papers(session: Session, paper_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these papers (deleted papers just lose their row)."""
    ids = sorted(set(paper_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ",".join(str(int(x)) for x in chunk)
        session.execute(text(f"DELETE FROM papers_fts WHERE rowid IN ({marks})"))
        session.execute(
            text(
                "INSERT INTO papers_fts(rowid, title, abstract, authors, tags, notes, annots) "
                + _ROW_SELECT
                + f" WHERE p.id IN ({marks})"
            )
        )


def rebuild_all(session: Session) -> None:
    """Rebuild the paper index from scratch (used by ``check --fix`` and migrations)."""
    session.execute(text("DELETE FROM papers_fts"))
    session.execute(
        text("INSERT INTO papers_fts(rowid, title, abstract, authors, tags, notes, annots) " + _ROW_SELECT)
    )


def replace_pdf_text(
    session: Session, paper_id: int, pages: Iterable[str], *, rows_now: Sequence[int] | None = None
) -> int:
    """Index a paper's PDF text, one row per page (1-based page numbers). Returns pages indexed.

    ``rows_now``, when the caller knows them, are the rowids of the paper's pages there now:
    deleting by rowid spares reading the whole index (``paper_id`` is not indexed in an FTS5
    table, so ``WHERE paper_id = ?`` reads every page of every PDF)."""
    _drop_pages(session, paper_id, rows_now)
    rows = [
        {"body": body, "pid": paper_id, "page": n} for n, body in enumerate(pages, start=1) if body.strip()
    ]
    if rows:
        session.execute(text("INSERT INTO pdf_fts(body, paper_id, page) VALUES (:body, :pid, :page)"), rows)
    return len(rows)


def drop_pdf_text(session: Session, paper_id: int, *, rows_now: Sequence[int] | None = None) -> None:
    _drop_pages(session, paper_id, rows_now)


def _drop_pages(session: Session, paper_id: int, rows_now: Sequence[int] | None) -> None:
    if rows_now is None:
        session.execute(text("DELETE FROM pdf_fts WHERE paper_id = :pid"), {"pid": paper_id})
    elif rows_now:
        marks = ",".join(str(int(r)) for r in rows_now)
        session.execute(text(f"DELETE FROM pdf_fts WHERE rowid IN ({marks})"))
