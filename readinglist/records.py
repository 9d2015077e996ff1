"""Frozen dataclasses that cross layers and threads. No ORM object ever leaves the service layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
class PaperRow:
    """A paper as the library holds it, user data included."""

    id: int
    arxiv_id: str | None
    version: int | None
    title: str
    authors: tuple[str, ...]
    published: dt.date | None
    upvotes: int
    feed_dates: tuple[dt.date, ...]
    saved: bool
    dismissed: bool
    starred: bool
    status: str  # unread | reading | read
    tags: tuple[str, ...]
    citekey: str | None
    pdf: str | None  # absolute path of the stored PDF, or None
    abstract: str = ""
    num_comments: int = 0
    doi: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    github_repo: str | None = None
    project_page: str | None = None
    note: str = ""
    rating: int = 0
    needs_review: bool = False
    added: dt.datetime | None = None
    lists: tuple[str, ...] = ()
    meta: PaperMeta | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, object]:
        """The JSON shape of ``list``, ``search`` and ``show`` (DESIGN.md §3)."""
        return {
            "id": self.id,
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "authors": list(self.authors),
            "published": self.published.isoformat() if self.published else None,
            "upvotes": self.upvotes,
            "num_comments": self.num_comments,
            "feed_dates": [d.isoformat() for d in self.feed_dates],
            "saved": self.saved,
            "dismissed": self.dismissed,
            "starred": self.starred,
            "status": self.status,
            "rating": self.rating,
            "tags": list(self.tags),
            "lists": list(self.lists),
            "citekey": self.citekey,
            "pdf": self.pdf,
            "doi": self.doi,
            "primary_category": self.primary_category,
            "categories": list(self.categories),
            "github_repo": self.github_repo,
            "project_page": self.project_page,
            "abstract": self.abstract,
            "note": self.note,
            "needs_review": self.needs_review,
        }


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
    in_library: bool = False


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
