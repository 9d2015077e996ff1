"""For you in the details pane: why a paper ranks where it does, suggested tags as chips (one
click adds the tag), and the papers most like it. Computed in a worker (the recommender may have
to train first); answers for a paper no longer shown are dropped."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QToolButton, QVBoxLayout, QWidget

from readinglist.lazy import lazy_module
from readinglist.recommend import available
from ui.idle import IdleTimer
from ui.models.context import AppContext
from ui.views.flow import FlowLayout

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.recommend import live
    from readinglist.recommend.live import PaperAdvice
    from readinglist.services.library import Library
else:
    live = lazy_module("readinglist.recommend.live")


def _advice(lib: Library, paper_id: int) -> PaperAdvice:
    """Worker side: the recommender's modules (the ORM, scikit-learn) load here on first use,
    not on the GUI thread, which only names this function."""
    return live.advice(lib, paper_id)


class ForYouPanel(QWidget):
    tag_accepted = Signal(str)
    paper_opened = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forYou")
        self.paper_id: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(4)
        self.why = QLabel()
        self.why.setObjectName("forYouWhy")
        self.why.setWordWrap(True)
        lay.addWidget(self.why)
        self.chips_box = QWidget()
        self.chips = FlowLayout(spacing=4, expand_last=False)
        self.chips_box.setLayout(self.chips)
        lay.addWidget(self.chips_box)
        self.similar = QLabel()
        self.similar.setObjectName("forYouSimilar")
        self.similar.setWordWrap(True)
        self.similar.linkActivated.connect(
            lambda url: self.paper_opened.emit(int(url.removeprefix("paper:")))
        )
        lay.addWidget(self.similar)
        self.clear()

    def clear(self, paper_id: int | None = None) -> None:
        self.paper_id = paper_id
        self.why.clear()
        self.similar.clear()
        while self.chips.count():
            item = self.chips.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        self.setVisible(False)

    def chip_buttons(self) -> list[QToolButton]:
        out = []
        for i in range(self.chips.count()):
            item = self.chips.itemAt(i)
            w = item.widget() if item is not None else None
            if isinstance(w, QToolButton):
                out.append(w)
        return out

    def show_advice(self, a: PaperAdvice) -> None:
        if a.paper_id != self.paper_id:
            return  # the user moved on
        self.clear(a.paper_id)
        if a.reasons:
            self.why.setText("<b>For you:</b> " + html.escape("; ".join(a.reasons)))
        self.why.setVisible(bool(a.reasons))
        for tag, conf in a.tags:
            b = QToolButton()
            b.setObjectName("tagSuggestion")
            b.setText(f"+ {tag}")
            b.setToolTip(f"Suggested tag ({conf:.0%} confident): click to add it")
            b.setAccessibleName(f"Add suggested tag {tag}")
            b.clicked.connect(lambda _=False, t=tag: self.tag_accepted.emit(t))
            self.chips.addWidget(b)
        self.chips_box.setVisible(bool(a.tags))
        if a.similar:
            links = " · ".join(
                f'<a href="paper:{i}">{html.escape(title if len(title) < 70 else title[:69] + "…")}</a>'
                for i, title, _ in a.similar
            )
            self.similar.setText(f"<b>Similar:</b> {links}")
        self.similar.setVisible(bool(a.similar))
        self.setVisible(bool(a.reasons or a.tags or a.similar))


class ForYou:
    """Asks the core for a paper's advice off the GUI thread and hands it to the panel.

    Requests wait until the user has rested on a paper for :attr:`DELAY_MS` without touching
    mouse or keyboard (:class:`~ui.idle.IdleTimer`): moving through the list with J/K asks
    nothing, and the first build (imports, the feature cache, reading every paper) starts only
    once the user pauses (Python threads share one interpreter lock with the GUI thread).
    """

    DELAY_MS = 700

    def __init__(self, ctx: AppContext, panel: ForYouPanel) -> None:
        self.ctx = ctx
        self.panel = panel
        self.enabled = available()
        self.timer = IdleTimer(self.DELAY_MS, panel)  # and while the user is busy, longer
        self.timer.timeout.connect(self._ask)

    def request(self, paper_id: int | None) -> None:
        if paper_id == self.panel.paper_id and self.panel.isVisible():
            return
        self.panel.clear(paper_id)
        self.timer.stop()
        if paper_id is not None and self.enabled:
            self.timer.start()

    def _ask(self) -> None:
        paper_id = self.panel.paper_id
        if paper_id is None:
            return
        self.ctx.tasks.run(
            _advice, self.ctx.lib, paper_id, name="for you", owner=self.panel,
            on_done=self.panel.show_advice, on_error=self._failed,
        )  # fmt: skip

    def refresh(self) -> None:
        """The library changed: ask again for the paper shown (its tags or neighbours moved)."""
        pid = self.panel.paper_id
        self.panel.paper_id = None
        self.request(pid)

    @staticmethod
    def _failed(exc: BaseException) -> None:
        # Advice is a nicety beside the paper: say why it is missing in the log, not in a dialog.
        logging.getLogger(__name__).warning("For you: %s", exc)
