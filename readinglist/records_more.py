"""The records that only some commands need: what a change touched, the feed and sync reports, the undo history, a
long job's progress, remote search results, PDF annotations and the sidebar's counts.

They live apart from ``readinglist.records`` (which re-exports them on first use) because each
frozen dataclass costs about half a millisecond to create when its module loads, and a read
command such as ``show`` or ``search`` needs none of these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from readinglist.records import PaperMeta, Point, Rect


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
class TagInfo:
    name: str
    count: int
    color: str | None


@dataclass(frozen=True)
class ListInfo:
    name: str
    count: int
    position: int


@dataclass(frozen=True)
class SavedSearchInfo:
    name: str
    query: str
    is_alert: bool
    unseen: int = 0


@dataclass(frozen=True)
class FeedDayInfo:
    date: dt.date
    count: int
