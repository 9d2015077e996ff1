"""Shift+D: dismiss the selected paper's whole topic of the day in one step.

The topics are the day's clusters, as ``readinglist clusters`` computes them; that reads the
whole library, so it runs in a worker, and the dismissal then goes through the write lane as
one undo step (Ctrl+Z brings every paper back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from readinglist.lazy import lazy_module
from readinglist.recommend import available
from readinglist.records import PaperRow
from readinglist.services.library import Library
from readinglist.textutil import plural
from ui.models.context import AppContext
from ui.views.paper_list import PaperListView

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import topics
else:
    topics = lazy_module("readinglist.services.topics")

STATUS_MS = 10_000


def find_topic(lib: Library, paper_id: int, day: dt.date | None) -> topics.Topic:
    """Worker side: the topic of ``day`` holding the paper, with the recommender the window keeps."""
    from readinglist.recommend.live import current

    return topics.topic_of(lib, paper_id, day, rec=current(lib))


class TopicDismisser(QObject):
    def __init__(
        self,
        ctx: AppContext,
        view: PaperListView,
        action: QAction,
        status: Callable[[str, int], None],
        move_past: Callable[[list[int]], None],
    ) -> None:
        super().__init__(view)
        self.ctx, self.view, self.action = ctx, view, action
        self.status, self.move_past = status, move_past
        self.enabled = available()  # the recommend extra (numpy, scikit-learn) is installed
        self.running = False
        if not self.enabled:
            action.setToolTip(
                "Dismissing a topic needs the recommend extra: pip install 'readinglist[recommend]'"
            )
        self.update()

    def _row(self) -> PaperRow | None:
        pid = self.view.current_id()
        return self.view.papers.cached(pid) if pid is not None else None

    def update(self) -> None:
        """Enable the action while a feed paper is the current one."""
        row = self._row()
        self.action.setEnabled(self.enabled and not self.running and row is not None and bool(row.feed_dates))

    def day_of(self, row: PaperRow) -> dt.date | None:
        """The day the list shows, if it shows one the paper was listed on; else its newest."""
        shown = self.view.papers.query.filter.feed_date
        if shown is not None and shown in row.feed_dates:
            return shown
        return max(row.feed_dates) if row.feed_dates else None

    def run(self) -> None:
        row = self._row()
        if row is None or not row.feed_dates or not self.enabled or self.running:
            return
        self.running = True
        self.update()
        day = self.day_of(row)
        self.status(f"Finding the topic of “{' '.join(row.title.split())[:60]}”…", 0)
        self.ctx.tasks.run(
            find_topic, self.ctx.lib, row.id, day, name="find topic", owner=self,
            on_done=self._found, on_error=self._failed,
        )  # fmt: skip

    def _found(self, topic: topics.Topic) -> None:
        self.move_past(list(topic.paper_ids))
        self.ctx.write(topics.dismiss_cluster, self.ctx.lib, topic, name="dismiss topic", on_done=self._done)
        self.running = False
        self.update()

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.update()
        self.status("", 0)
        self.ctx.report_error(exc)

    def _done(self, d: topics.Dismissed) -> None:
        if d.paper_ids:
            text = f"Dismissed topic “{d.topic.name}”: {plural(len(d.paper_ids), 'paper')} (Ctrl+Z to undo)"
        else:
            text = f"Every paper of topic “{d.topic.name}” was dismissed already"
        self.status(text, STATUS_MS)
