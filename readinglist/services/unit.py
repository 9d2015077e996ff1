"""The unit of work: the one way the library changes.

``with lib.change("Tag 3 papers") as tx:`` opens a write transaction (on SQLite it takes the
write lock first, so a read-modify-write cannot lose an update), gives the operation
``tx.session``, and collects what the operation says it touched. At commit it refreshes the
search index for exactly those papers, records the undo step (the before/after images of the
rows the operation captured, see :mod:`readinglist.db.rowdiff`), commits, runs the
operation's after-commit hooks and emits one :class:`Changes` to the library's listeners. On
an exception nothing is written and nothing is emitted.

A ``change`` inside another on the same thread joins it: operations compose into one
transaction (importing a PDF is one step, however many helpers it calls). ``lib.read()`` gives
a session for reads; inside a change it is the change's own session, so reads see its writes.

This module and :mod:`readinglist.services.history` are the only places that open write
sessions, touch the full-text tables or notify listeners (``tests/test_architecture.py``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from readinglist.db import fts, rowdiff
from readinglist.errors import StorageError
from readinglist.records import Changes
from readinglist.services import live

if TYPE_CHECKING:
    from readinglist.services.library import Library

log = logging.getLogger(__name__)

# Tables whose rows belong to one paper (``paper_id``): captured together when a paper is
# created, deleted or merged.
PAPER_CHILDREN = (
    "feed_appearances",
    "paper_tags",
    "list_items",
    "attachments",
    "annotations",
    "alert_matches",
    "pdf_fts",
)
# Of those, the rows a new paper can have: its PDF text gets rows only through
# :meth:`Transaction.index_pdf_text`, which captures them itself. Finding a paper's rows in the
# text index reads the whole index (``paper_id`` is not indexed there): 34 ms for every 500
# papers an import created, in a library with 3,000 PDFs of ten pages.
CREATED_CHILDREN = tuple(c for c in PAPER_CHILDREN if c != "pdf_fts")


class _RowSet:
    __slots__ = ("before", "keys")

    def __init__(self) -> None:
        self.keys: set[Any] = set()
        self.before: dict[rowdiff.Key, rowdiff.Row] = {}


class Transaction:
    """One change in progress. Operations write through :attr:`session` and say what they touched."""

    def __init__(
        self, unit: UnitOfWork, session: Session, label: str, *, undoable: bool, coalesce: str | None
    ) -> None:
        self.unit = unit
        self.session = session
        self.label = label
        self.undoable = undoable
        self.coalesce = coalesce
        self._papers: set[int] = set()
        self._changes = Changes()
        self._sets: dict[tuple[str, str], _RowSet] = {}
        self._hooks: list[Callable[[], None]] = []
        self._depth = 1  # changes nested in this one (they join it)
        self.diff: rowdiff.Diff | None = None

    @property
    def member(self) -> str:
        """Who is making this change (``READINGLIST_USER``): the author of what it writes."""
        return self.unit.lib.member

    # -- what moved ----------------------------------------------------------------------------
    def touched(
        self,
        *,
        papers: Iterable[int] = (),
        tags: bool = False,
        lists: bool = False,
        feed: bool = False,
        searches: bool = False,
        annotations: Iterable[int] = (),
        settings: Iterable[str] = (),
        history: bool = False,
    ) -> None:
        """Say what this change touched. Papers named here get their search row rewritten."""
        ids = {int(p) for p in papers}
        notes = frozenset(int(p) for p in annotations)
        self._papers |= ids | notes
        self._changes |= Changes(
            papers=frozenset(ids | notes), tags=tags, lists=lists, feed=feed, searches=searches,
            annotations=notes, settings=frozenset(settings), history=history,
        )  # fmt: skip

    def relabel(self, label: str) -> None:
        """Name the step after the fact (e.g. once an import knows how many papers came).

        Only the operation that opened the change names it: a helper operation called inside
        another keeps the outer label ("Move note", not "Change note position")."""
        if self._depth == 1:
            self.label = label

    @property
    def changes(self) -> Changes:
        return self._changes

    @property
    def papers_touched(self) -> set[int]:
        return set(self._papers)

    # -- what undo needs -----------------------------------------------------------------------
    def capture(self, table: str, keys: Iterable[Any], *, by: str | None = None) -> None:
        """Remember the rows of ``table`` whose ``by`` (default: the primary key) is in ``keys``,
        *before* changing them. At commit they are compared with what is there then."""
        if not self.undoable:
            return
        col = by or _pk_column(table)
        rs = self._sets.setdefault((table, col), _RowSet())
        new = {k for k in keys if k is not None} - rs.keys
        if new:
            rs.before.update(rowdiff.read_rows(self.session, table, col, new))
            rs.keys |= new

    def created(self, table: str, keys: Iterable[Any], *, by: str | None = None) -> None:
        """Rows this change just inserted (nothing to read before them): undo deletes them."""
        if not self.undoable:
            return
        col = by or _pk_column(table)
        self._sets.setdefault((table, col), _RowSet()).keys.update(k for k in keys if k is not None)

    def capture_papers(self, ids: Iterable[int], *, children: Sequence[str] = ()) -> None:
        """Capture papers (and the given child tables by ``paper_id``) before changing them."""
        ids = [int(i) for i in ids]
        self.capture("papers", ids)
        for child in children:
            self.capture(child, ids, by="paper_id")
        self.touched(papers=ids)

    def capture_whole_papers(self, ids: Iterable[int]) -> None:
        """Capture papers with every row that belongs to them (before deleting or merging)."""
        self.capture_papers(ids, children=PAPER_CHILDREN)

    def created_papers(self, ids: Iterable[int]) -> None:
        """Papers this change inserted, with whatever rows it gives them: undo removes them all."""
        ids = [int(i) for i in ids]
        self.created("papers", ids)
        for child in CREATED_CHILDREN:
            self.created(child, ids, by="paper_id")
        self.touched(papers=ids)

    # -- the search index ----------------------------------------------------------------------
    def index_pdf_text(self, paper_id: int, pages: Iterable[str]) -> int:
        """Replace the PDF text of a paper in the search index; returns the pages indexed."""
        return fts.replace_pdf_text(self.session, paper_id, pages, rows_now=self._pdf_pages(paper_id))

    def drop_pdf_text(self, paper_id: int) -> None:
        fts.drop_pdf_text(self.session, paper_id, rows_now=self._pdf_pages(paper_id))

    def _pdf_pages(self, paper_id: int) -> list[int] | None:
        """Capture the paper's pages in the text index before they change, and return their
        rowids when that capture is what read them (the first time this change touches them),
        else None (not undoable, or changed already in this change: they are looked up)."""
        key = ("pdf_fts", "paper_id")
        rs = self._sets.get(key)
        first = self.undoable and (rs is None or paper_id not in rs.keys)
        self.capture("pdf_fts", [paper_id], by="paper_id")
        if not first:
            return None
        return [k[0] for k, row in self._sets[key].before.items() if row["paper_id"] == paper_id]

    def rebuild_index(self) -> None:
        """Rebuild the whole paper index (``check --fix``)."""
        fts.rebuild_all(self.session)

    # -- after the commit ----------------------------------------------------------------------
    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the change is committed (files to move, a PDF to rewrite). A failing
        hook is logged; the committed change stands."""
        self._hooks.append(fn)

    # -- the unit of work's side ---------------------------------------------------------------
    def _finish(self) -> None:
        """Compute the diff, record the undo step and refresh the index (still inside the transaction)."""
        self.session.flush()
        if self.undoable and self._sets:
            self.diff = self._compute_diff()
            self._papers |= self.diff.paper_ids()
            self._changes |= Changes(papers=frozenset(self.diff.paper_ids()))
            if not self.diff.empty:
                from readinglist.services import history

                history.record(self)
                self._changes |= Changes(history=True)
        if self._papers:
            fts.refresh_papers(self.session, self._papers)

    def _compute_diff(self) -> rowdiff.Diff:
        diff = rowdiff.Diff()
        for (table, col), rs in self._sets.items():
            if rs.before:
                after = rowdiff.read_rows(self.session, table, col, rs.keys)
                after_keys = set(after)
            else:
                after, after_keys = {}, rowdiff.read_keys(self.session, table, col, rs.keys)
            _merge(table, diff.of(table), rowdiff.compare(table, rs.before, after_keys, after))
        diff.tables = {n: d for n, d in diff.tables.items() if not d.empty}
        return diff


def _why(exc: DatabaseError) -> str:
    """The driver's reason in one line (a server's errors come with hints on further lines)."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


def _pk_column(table: str) -> str:
    t = rowdiff.table(table)
    cols = [c.name for c in t.primary_key.columns]
    if len(cols) != 1:
        raise ValueError(f"{table} has a composite key; say which column to capture it by")
    return cols[0]


def _merge(table: str, into: rowdiff.TableDiff, d: rowdiff.TableDiff) -> None:
    """Add a row set's diff to its table's, once per row (two row sets may share rows)."""
    created = set(into.created)
    into.created.extend(k for k in d.created if k not in created)
    deleted = {rowdiff.row_key(table, r) for r in into.deleted}
    into.deleted.extend(r for r in d.deleted if rowdiff.row_key(table, r) not in deleted)
    updated = {k for k, _ in into.updated}
    into.updated.extend((k, cols) for k, cols in d.updated if k not in updated)


def database_failure(lib: Library, exc: DatabaseError, *, writing: bool = False) -> str:
    """What a failed database call means to the user: full disk, another writer, damage."""
    from readinglist.db.health import damaged_message, disk_full_message, free_megabytes

    text = str(exc.orig)
    tail = "; nothing was changed" if writing else ""
    free = free_megabytes(lib.root)
    if "disk is full" in text or ("disk i/o error" in text.lower() and free is not None and free < 1):
        return disk_full_message(lib.root)
    if "locked" in text or "busy" in text:
        return (
            "another program (most likely another readinglist: the app, a sync) has been writing to the "
            f"library for more than 10 s; try again when it is done{tail}"
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return damaged_message(lib.db_path, [text]) + tail
    if "readonly" in text or "read-only" in text:
        return f"the library {lib.db_path} cannot be written (read-only){tail}"
    return f"the library database failed: {_why(exc)}{tail}"


class UnitOfWork:
    """Owns the library's sessions: one factory for reads, one whose transactions hold the write lock."""

    def __init__(self, lib: Library, reads: sessionmaker[Session], writes: sessionmaker[Session]) -> None:
        self.lib = lib
        self._reads = reads
        self._writes = writes
        self._local = threading.local()
        self._last_checkpoint = 0.0
        # On a server other members' sessions hear of each change (services/live.py).
        self.shared = reads.kw["bind"].dialect.name != "sqlite"
        self.origin = uuid.uuid4().hex

    def current(self) -> Transaction | None:
        return getattr(self._local, "tx", None)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        tx = self.current()
        if tx is not None:
            yield tx.session
            return
        with self._reads() as s:
            try:
                yield s
                s.commit()  # ends the read transaction (nothing to write)
            except DatabaseError as exc:
                s.rollback()
                raise StorageError(database_failure(self.lib, exc)) from exc
            except BaseException:
                s.rollback()
                raise

    @contextlib.contextmanager
    def change(
        self, label: str, *, undoable: bool = True, coalesce: str | None = None
    ) -> Iterator[Transaction]:
        outer = self.current()
        if outer is not None:
            outer._depth += 1
            try:
                yield outer  # joins the enclosing change: one transaction, one step
            finally:
                outer._depth -= 1
            return
        if self.lib.read_only:
            raise StorageError(
                f"{self.lib.read_only_reason}: {label!r} was refused; reading works. Nothing was changed"
            )
        with self._writes() as s:
            tx = Transaction(self, s, label, undoable=undoable, coalesce=coalesce)
            self._local.tx = tx
            try:
                yield tx
                tx._finish()
                if self.shared and not tx.changes.empty:
                    live.publish(s, self.lib.member, self.origin, tx.changes)
                s.commit()
            except DatabaseError as exc:
                s.rollback()
                raise StorageError(database_failure(self.lib, exc, writing=True)) from exc
            except OSError as exc:
                s.rollback()
                from readinglist.db.health import disk_full_message, is_disk_full

                if is_disk_full(exc):
                    raise StorageError(disk_full_message(self.lib.root)) from exc
                raise
            except BaseException:
                s.rollback()
                raise
            finally:
                self._local.tx = None
        self.after_write()
        if "citekey_pattern" in tx.changes.settings:
            self.lib.forget_pattern()
        for hook in tx._hooks:
            try:
                hook()
            except Exception:
                log.exception("after-commit step of %r failed", label)
        self.emit(tx.changes)

    def after_write(self) -> None:
        """Checkpoint after a change (at most once a second): the change reaches the main file."""
        now = time.monotonic()
        if now - self._last_checkpoint >= 1.0:
            self._last_checkpoint = now
            engine = self.lib._engine
            if engine is not None:
                from readinglist.db.engine import checkpoint

                checkpoint(engine)

    def emit(self, changes: Changes) -> None:
        if changes.empty:
            return
        for cb in list(self.lib.on_change):
            try:
                cb(changes)
            except Exception:  # a listener must never break a change that committed
                log.exception("change listener failed")
