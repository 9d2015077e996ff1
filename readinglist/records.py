"""Frozen dataclasses that cross layers and threads. No ORM object ever leaves the service layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class FeedItem:
    """One paper as listed on one day of the Hugging Face Daily Papers feed."""

    paper: PaperMeta
    feed_date: dt.date
    upvotes: int = 0
    num_comments: int = 0
    submitted_by: str | None = None


@dataclass(frozen=True)
class FeedDay:
    """A parsed day of the feed: the good items and a reason for every item skipped."""

    date: dt.date
    items: tuple[FeedItem, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class DaySyncReport:
    date: dt.date
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class SyncReport:
    days: tuple[DaySyncReport, ...]
    auto_tagged: int = 0  # new papers auto-tagging gave tags to (one undo step)

    @property
    def ok(self) -> bool:
        return all(d.error is None for d in self.days)

    @property
    def new(self) -> int:
        return sum(d.new for d in self.days)

    @property
    def updated(self) -> int:
        return sum(d.updated for d in self.days)


@dataclass(frozen=True)
class Changes:
    """What one committed change to the library touched, so each view can decide what to refresh.

    ``annotations`` holds the papers whose annotations changed; ``settings`` the library
    settings written; ``history`` is set when the undo history moved.
    """

    papers: frozenset[int] = frozenset()
    tags: bool = False
    lists: bool = False
    feed: bool = False
    searches: bool = False
    annotations: frozenset[int] = frozenset()
    settings: frozenset[str] = frozenset()
    history: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            papers=self.papers | other.papers,
            tags=self.tags or other.tags,
            lists=self.lists or other.lists,
            feed=self.feed or other.feed,
            searches=self.searches or other.searches,
            annotations=self.annotations | other.annotations,
            settings=self.settings | other.settings,
            history=self.history or other.history,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.papers or self.tags or self.lists or self.feed or self.searches or self.annotations
            or self.settings or self.history
        )  # fmt: skip


@dataclass(frozen=True)
class HistoryEntry:
    """One step of the undo history (``state``: ``done`` can be undone, ``undone`` redone)."""

    id: int
    time: dt.datetime
    label: str
    state: str
    papers: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "time": self.time.isoformat(timespec="seconds") + "Z",
            "label": self.label,
            "state": self.state,
            "papers": list(self.papers),
        }


@dataclass(frozen=True)
class UndoResult:
    """What an undo or redo did: the step's label, what changed, and what could not be put back."""

    label: str
    changes: Changes
    conflicts: tuple[str, ...] = ()
    papers: tuple[int, ...] = ()


# The orders a paper list can be sorted in (the query layer maps each to SQL).
SORT_KEYS = ("upvotes", "published", "title", "added", "feed", "status", "author", "citekey", "comments")


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class SearchHit:
    paper_id: int
    pages: tuple[int, ...] = ()  # PDF pages (1-based) where the query matched
    in_metadata: bool = True


@dataclass(frozen=True)
class MatchInfo:
    """Why a paper matched a search, with the matched terms between the search module's
    ``MARK_OPEN``/``MARK_CLOSE``: the title, the best-matching fragment of its text, the full
    abstract (only when asked for), and the PDF pages (1-based) with a fragment of the first."""

    title: str
    snippet: str = ""
    abstract: str | None = None
    pdf_pages: tuple[int, ...] = ()
    pdf_snippet: str = ""


@dataclass(frozen=True)
class Progress:
    """Progress of a long job: ``done`` of ``total`` units (total None when unknown)."""

    done: int
    total: int | None = None
    message: str = ""
    rate: float | None = None  # units per second, e.g. bytes/s for downloads


@dataclass(frozen=True)
class RemoteResult:
    """A paper found by a remote search (Hugging Face Papers or arXiv)."""

    paper: PaperMeta
    source: str  # "hf" | "arxiv"
    upvotes: int = 0
    num_comments: int = 0
    in_library: bool = False  # saved in the library
    in_feed: bool = False  # known to the library (a feed day listed it) but not saved


ANNOTATION_KINDS = ("highlight", "underline", "strikeout", "note", "ink", "rectangle")

Rect = tuple[
    float, float, float, float
]  # x0, y0, x1, y1 in PDF page space (points, origin top-left as PyMuPDF)
Point = tuple[float, float]


@dataclass(frozen=True)
class AnnotationRecord:
    """One annotation, geometry in PDF page coordinates (PyMuPDF's unrotated page space).

    ``page`` is 0-based here; the CLI JSON shows it 1-based. ``rects`` carry the quads of text
    markup (one per line), the box of a rectangle, or the point of a note (as a tiny rect).
    ``ink`` holds the strokes of freehand ink. ``fingerprint`` identifies an annotation imported
    from a PDF so a re-import does not duplicate it.
    """

    id: int | None
    page: int
    kind: str
    color: str = "#ffd400"  # #rrggbb
    rects: tuple[Rect, ...] = ()
    ink: tuple[tuple[Point, ...], ...] = ()
    text: str = ""
    comment: str = ""
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    fingerprint: str | None = None
    tags: tuple[str, ...] = ()
    author: str = ""  # the member who wrote it ("" when unknown)
    version: int = 0  # the row's version when read (0: not stored yet)
