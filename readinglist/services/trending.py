"""Trending: the feed papers of a calendar week or month, most upvoted first, as the Hugging Face
site's weekly and monthly pages (``/papers/week/2026-W49``, ``/papers/month/2026-11``) show them.

A window is a pair of days; the papers are those the library's feed listed on any day of it
(``PaperFilter.feed_since``/``feed_until``), ordered by their upvotes. Without a day given, the
window is the one holding the newest synced feed day, so a Monday morning before the first sync
still shows last week rather than nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from readinglist.errors import ReadingListError
from readinglist.records import PaperFilter
from readinglist.recordtype import replace

if TYPE_CHECKING:
    from readinglist.services.library import Library

Span = Literal["week", "month"]
SPANS: tuple[Span, ...] = ("week", "month")


@dataclass(frozen=True)
class Window:
    span: Span
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """The Hugging Face site's name for the window: ``2026-W49`` or ``2026-11``."""
        if self.span == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def title(self) -> str:
        return f"This {self.span} ({self.label}, {self.start.isoformat()} to {self.end.isoformat()})"

    def filter(self, base: PaperFilter | None = None) -> PaperFilter:
        return replace(base or PaperFilter(), feed_since=self.start, feed_until=self.end)


def window_of(span: Span, day: dt.date) -> Window:
    """The calendar week (Monday to Sunday) or month holding ``day``."""
    if span == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Window("week", start, start + dt.timedelta(days=6))
    start = day.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return Window("month", start, nxt - dt.timedelta(days=1))


_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_window(text: str) -> Window:
    """``2026-W49`` (an ISO week) or ``2026-11`` (a month), as in the site's addresses."""
    t = text.strip()
    try:
        if m := _WEEK.match(t):
            return window_of("week", dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
        if m := _MONTH.match(t):
            return window_of("month", dt.date(int(m[1]), int(m[2]), 1))
    except ValueError:
        pass
    raise ReadingListError(f"not a week or a month: {text!r} (write 2026-W49 or 2026-11)")


def current_window(lib: Library, span: Span, today: dt.date | None = None) -> Window:
    """The window of ``span`` holding the newest feed day up to ``today``, else today's."""
    today = today or dt.datetime.now(dt.UTC).date()
    newest = next((d.date for d in lib.feed_days(limit=60) if d.date <= today), None)
    return window_of(span, newest or today)
