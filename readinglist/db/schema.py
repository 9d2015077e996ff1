"""The typed ORM schema. Changes go through an Alembic migration (db/migrations/versions)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Paper(Base):
    """One paper. Bibliographic columns come from sources; user columns only from the user."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arxiv_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int | None] = mapped_column(Integer)
    # DOIs are case-insensitive (the DOI handbook says so): compare them without case.
    doi: Mapped[str | None] = mapped_column(String(200, collation="NOCASE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    title_norm: Mapped[str] = mapped_column(Text, index=True, default="")
    authors: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of names, in order
    abstract: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)
    updated: Mapped[dt.date | None] = mapped_column(Date)
    primary_category: Mapped[str | None] = mapped_column(String(40))
    categories: Mapped[str] = mapped_column(Text, default="")  # space separated
    journal_ref: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    github_repo: Mapped[str | None] = mapped_column(Text)
    project_page: Mapped[str | None] = mapped_column(Text)
    ai_summary: Mapped[str | None] = mapped_column(Text)
    ai_keywords: Mapped[str] = mapped_column(Text, default="[]")
    entry_type: Mapped[str | None] = mapped_column(String(40))
    journal: Mapped[str | None] = mapped_column(Text)
    booktitle: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(40))
    pages: Mapped[str | None] = mapped_column(String(40))
    publisher: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    # The entry as a .bib file gave it (JSON: type, every field verbatim, what was derived), so
    # an export gives back every field, name and key exactly (readinglist/bibtex/source.py).
    bib_source: Mapped[str | None] = mapped_column(Text)
    # Feed figures, denormalized from feed_appearances for sorting
    upvotes: Mapped[int] = mapped_column(Integer, default=0, index=True)
    num_comments: Mapped[int] = mapped_column(Integer, default=0)
    last_feed_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # User data: sync never writes these
    saved: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="unread", index=True)
    rating: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every note write: a write based on an older version is refused (services/papers.py).
    note_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The member who last wrote the note (READINGLIST_USER); "" for notes from before 0013.
    note_author: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Keys differing only in case are one key to biber and pybtex: unique without case.
    citekey: Mapped[str | None] = mapped_column(String(200, collation="NOCASE"), unique=True)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    modified_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    # Each sort order of queries.SORTS (and the default one) reads an index in order, led by
    # ``dismissed`` (every view filters on it) so that the ids come from the index alone: the
    # unindexed sorts took 140-280 ms at 100k papers. The title and first-author sorts use
    # EXPRESSION_INDEXES, made by migration 0010_speed.
    __table_args__ = (
        Index("ix_papers_sort_upvotes", "dismissed", "upvotes"),
        Index("ix_papers_sort_published", "dismissed", "published"),
        Index("ix_papers_sort_added", "dismissed", "added_at"),
        Index("ix_papers_sort_feed", "dismissed", "last_feed_date", "upvotes"),
        Index("ix_papers_sort_status", "dismissed", "status"),
        Index("ix_papers_sort_citekey", "dismissed", "citekey"),
        Index("ix_papers_sort_comments", "dismissed", "num_comments"),
        # What an export of the saved papers reads first, from the index alone (0017_export)
        Index("ix_papers_export", "dismissed", "saved", "citekey", "entry_type"),
    )


# Indexes on expressions (``title COLLATE NOCASE``, the first author, the year a ``year:`` filter
# reads): SQLite's reflection cannot compare them with a model, so they live in migrations
# 0010_speed and 0016_search and are named here.
EXPRESSION_INDEXES = ("ix_papers_sort_title", "ix_papers_sort_author", "ix_papers_year")


class FeedAppearance(Base):
    """A paper listed on one day of the Daily Papers feed, with its figures as last seen."""

    __tablename__ = "feed_appearances"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    feed_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    num_comments: Mapped[int] = mapped_column(Integer, default=0)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_feed_appearances_feed_date", "feed_date", "upvotes"),)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100, collation="NOCASE"), unique=True)
    color: Mapped[str | None] = mapped_column(String(7))


class PaperTag(Base):
    __tablename__ = "paper_tags"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Put there by auto-tagging (For you's guess), not by the user; tagging by hand clears it.
    auto: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReadingList(Base):
    __tablename__ = "reading_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200, collation="NOCASE"), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ListItem(Base):
    __tablename__ = "list_items"

    list_id: Mapped[int] = mapped_column(ForeignKey("reading_lists.id", ondelete="CASCADE"), primary_key=True)
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Attachment(Base):
    """A stored PDF. ``path`` is relative to the library folder so the folder can move."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    text_indexed: Mapped[bool] = mapped_column(Boolean, default=False)
    has_text: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str | None] = mapped_column(Text)  # URL or original file path
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Annotation(Base):
    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)  # 0-based
    kind: Mapped[str] = mapped_column(String(20))
    color: Mapped[str] = mapped_column(String(7), default="#ffd400")
    rects: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[x0,y0,x1,y1], ...]
    ink: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[[x,y], ...], ...]
    text: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON list of names
    # The member who wrote it (made it, or last changed its text or comment); "" before 0013.
    author: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Optimistic concurrency: every ORM update checks and bumps it (``version_id_col``); an edit
    # made from an older version is refused when it would overwrite a field changed since.
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (UniqueConstraint("paper_id", "fingerprint"),)
    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy reads it from the class)


class SavedSearch(Base):
    """A saved search; with ``is_alert`` it watches the feed after every sync."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200, collation="NOCASE"), unique=True)
    query: Mapped[str] = mapped_column(Text)
    is_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AlertMatch(Base):
    __tablename__ = "alert_matches"

    search_id: Mapped[int] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    feed_date: Mapped[dt.date | None] = mapped_column(Date)
    seen: Mapped[bool] = mapped_column(Boolean, default=False)
    matched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SyncedDay(Base):
    """The last successful sync of each feed day."""

    __tablename__ = "synced_days"

    feed_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    papers: Mapped[int] = mapped_column(Integer, default=0)


class AutoExport(Base):
    """A .bib file kept in sync with a tag, a reading list, or the saved library."""

    __tablename__ = "auto_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    scope: Mapped[str] = mapped_column(String(10))  # saved | tag | list
    value: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20), default="bibtex", server_default="bibtex")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_written: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class ImportLink(Base):
    """A record of another tool (a Zotero item, note or attachment) already brought in, and where
    it went, so importing the same library again changes nothing."""

    __tablename__ = "import_links"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)  # e.g. "zotero"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. "1/ABCD2345"
    kind: Mapped[str] = mapped_column(String(20))  # item | note | attachment
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)


class RenderedEntry(Base):
    """A paper's entry as an export format writes it, kept so that an export is a concatenation.

    Triggers made by migration 0010_speed delete a paper's entries whenever its row changes
    or goes (whichever code path changed it); ``version`` names the writer's code that rendered
    it (:func:`readinglist.services.exporting.writer_version`), so a changed writer re-renders.
    """

    __tablename__ = "rendered_entries"

    paper_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fmt: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


class Setting(Base):
    """Library-level settings (they travel with the library). Values are JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UndoStep(Base):
    """One step of a member's undo history: a label and the diff that undoes (or redoes) it.

    ``state`` is ``done`` (``payload`` undoes it) or ``undone`` (``payload`` redoes it).
    """

    __tablename__ = "undo_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member: Mapped[str] = mapped_column(String(100), default="", index=True)
    label: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="done")
    coalesce_key: Mapped[str | None] = mapped_column(String(200))
    papers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the paper ids it touched
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChangeLogEntry(Base):
    """One committed change, by sequence number: what other members' sessions read to catch up
    (on PostgreSQL a NOTIFY wakes them; see services/live.py)."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    member: Mapped[str] = mapped_column(String(100), default="")
    payload: Mapped[str] = mapped_column(Text)  # JSON of the Changes
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
