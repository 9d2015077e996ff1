"""Frozen records that cross layers and threads. No ORM object ever leaves the service layer.

Made with :mod:`readinglist.recordtype` (every command loads these; ``dataclasses`` costs a read
command 12 ms). Use its ``fields`` and ``replace`` on them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from readinglist.recordtype import fields, record


@record
class PaperMeta:
    """Bibliographic metadata of a paper as a source (HF, arXiv, a .bib file, a PDF) knows it.

    ``arxiv_id`` is normalized (no version suffix); ``version`` is the latest known version.
    Venue fields are filled for published papers (usually from BibTeX import).
    """

    title: str
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    version: int | None = None
    abstract: str = ""
    published: dt.date | None = None
    updated: dt.date | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    github_repo: str | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    # Venue (published papers; from BibTeX import or arXiv journal_ref)
    entry_type: str | None = None  # "article", "inproceedings", ... None means arXiv preprint
    journal: str | None = None
    booktitle: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None
    year: int | None = None
    month: int | None = None
    url: str | None = None
    citekey: str | None = None  # a key the source asks for (BibTeX import); used when free
    bib_source: str | None = None  # the .bib entry verbatim (JSON), see readinglist/bibtex/source.py


@record
class PaperRow(PaperMeta):
    """A paper as the library holds it: its bibliographic fields (inherited from
    :class:`PaperMeta`) plus the user's data and what the library knows about it.

    Every field is declared once, here or in PaperMeta: the query layer reads the columns of the
    same name, and :meth:`to_json` writes them all (dates as ISO text, tuples as lists).
    """

    id: int = 0
    upvotes: int = 0
    num_comments: int = 0
    saved: bool = False
    dismissed: bool = False
    starred: bool = False
    status: str = "unread"  # unread | reading | read
    rating: int = 0
    note: str = ""
    note_author: str = ""  # the member who last wrote the note ("" when unknown)
    needs_review: bool = False
    added_at: dt.datetime | None = None
    # Derived from other tables
    feed_dates: tuple[dt.date, ...] = ()
    tags: tuple[str, ...] = ()
    auto_tags: tuple[str, ...] = ()  # those of ``tags`` that auto-tagging put there
    lists: tuple[str, ...] = ()
    pdf: str | None = None  # absolute path of the stored PDF, or None

    @property
    def meta(self) -> PaperMeta:
        """The bibliographic part (what an exporter needs): the row itself."""
        return self

    @classmethod
    def from_meta(cls, meta: PaperMeta, **values: object) -> PaperRow:
        """A row for a paper the library does not hold (yet): its metadata, neutral user data."""
        return cls(**{f.name: getattr(meta, f.name) for f in fields(PaperMeta)}, **values)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        """The JSON shape of ``list``, ``search`` and ``show``: every field, ``id`` first."""
        out: dict[str, object] = {"id": self.id}
        for f in fields(self):
            if f.name not in out:
                out[f.name] = _json_value(getattr(self, f.name))
        return out


def _json_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    return v


# The orders a paper list can be sorted in (the query layer maps each to SQL).
SORT_KEYS = ("upvotes", "published", "title", "added", "feed", "status", "author", "citekey", "comments")


@record
class PaperFilter:
    """What to show. ``None`` means "do not filter on this"."""

    saved: bool | None = None
    dismissed: bool | None = False
    starred: bool | None = None
    status: str | None = None
    tags: tuple[str, ...] = ()
    list_name: str | None = None
    feed_date: dt.date | None = None
    # Papers listed in the feed on any day of [feed_since, feed_until] (both ends included; an
    # open end is unbounded): the trending views of a week or a month.
    feed_since: dt.date | None = None
    feed_until: dt.date | None = None
    query: str | None = None
    has_pdf: bool | None = None
    needs_review: bool | None = None
    alert: str | None = None  # name of a saved search whose alert matches to show


@record
class SearchHit:
    paper_id: int
    pages: tuple[int, ...] = ()  # PDF pages (1-based) where the query matched
    in_metadata: bool = True


@record
class MatchInfo:
    """Why a paper matched a search, with the matched terms between the search module's
    ``MARK_OPEN``/``MARK_CLOSE``: the title, the best-matching fragment of its text, the full
    abstract (only when asked for), and the PDF pages (1-based) with a fragment of the first."""

    title: str
    snippet: str = ""
    abstract: str | None = None
    pdf_pages: tuple[int, ...] = ()
    pdf_snippet: str = ""


ANNOTATION_KINDS = ("highlight", "underline", "strikeout", "note", "ink", "rectangle")

Rect = tuple[
    float, float, float, float
]  # x0, y0, x1, y1 in PDF page space (points, origin top-left as PyMuPDF)
Point = tuple[float, float]


# The records only some commands need live in records_more; ``from readinglist.records import
# Progress`` still works and loads that module on first use.
_MORE = frozenset(
    {
        "AnnotationRecord", "Changes", "DaySyncReport", "FeedDayInfo", "ListInfo", "SavedSearchInfo", "TagInfo", "FeedDay", "FeedItem", "HistoryEntry", "Progress",
        "RemoteResult", "SyncReport", "UndoResult",
    }
)  # fmt: skip

if TYPE_CHECKING:
    from readinglist.records_more import AnnotationRecord as AnnotationRecord
    from readinglist.records_more import Changes as Changes
    from readinglist.records_more import DaySyncReport as DaySyncReport
    from readinglist.records_more import FeedDay as FeedDay
    from readinglist.records_more import FeedDayInfo as FeedDayInfo
    from readinglist.records_more import FeedItem as FeedItem
    from readinglist.records_more import HistoryEntry as HistoryEntry
    from readinglist.records_more import ListInfo as ListInfo
    from readinglist.records_more import Progress as Progress
    from readinglist.records_more import RemoteResult as RemoteResult
    from readinglist.records_more import SavedSearchInfo as SavedSearchInfo
    from readinglist.records_more import SyncReport as SyncReport
    from readinglist.records_more import TagInfo as TagInfo
    from readinglist.records_more import UndoResult as UndoResult


def __getattr__(name: str) -> object:
    if name in _MORE:
        from readinglist import records_more

        value = getattr(records_more, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
