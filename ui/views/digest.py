"""The digest: new papers, the most upvoted and the alert matches of a range of feed days.

:class:`DigestWindow` is a non-modal window around a QTextBrowser showing
:func:`readinglist.services.digest.render_html` in the app's theme, built in a worker. It opens
on the newest day that has papers, with a date picker and ranges (that day, or 3, 7 or 30 days
ending on it), and saves the digest as HTML or Markdown (written in a worker, always light).
:class:`Digests` announces what a sync brought (a notification with "Show digest", and a tray
message where a tray exists) and keeps one digest window.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from readinglist.lazy import lazy_module
from readinglist.services.library import Library
from readinglist.textutil import plural
from ui.dialogs import prompt
from ui.models.context import AppContext
from ui.tasks import TaskHandle
from ui.views.notes import open_link
from ui.views.notifications import NotificationBar
from ui.views.sync import SyncNews

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import digest as digestsvc
else:
    digestsvc = lazy_module("readinglist.services.digest")

RANGES = (("That day", 1), ("3 days to", 3), ("7 days to", 7), ("30 days to", 30))
FORMATS = {"html": ("HTML (*.html)", ".html"), "markdown": ("Markdown (*.md)", ".md")}


def theme() -> str:
    """ "dark" when the app's palette is dark (the digest follows it on screen)."""
    pal = QApplication.palette()
    return "dark" if pal.color(pal.ColorRole.Base).lightness() < 128 else "light"


def newest(lib: Library) -> dt.date | None:
    """Worker side: the day the digest opens on."""
    return digestsvc.newest_day(lib)


def build(lib: Library, days: int, end: dt.date, look: str = "light") -> tuple[digestsvc.Digest, str]:
    """Worker side: the digest of ``days`` days ending on ``end``, and its HTML."""
    if days <= 1:
        d = digestsvc.build_digest(lib, date=end)
    else:
        d = digestsvc.build_digest(lib, days=days, today=end)
    return d, digestsvc.render_html(d, theme=look, screen=True)


def save(d: digestsvc.Digest, fmt: str, path: str) -> Path:
    """Worker side: render and write atomically."""
    text = digestsvc.render_html(d) if fmt == "html" else digestsvc.render_markdown(d)
    return digestsvc.write_atomically(path, text)


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class DigestWindow(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("digestWindow")
        self.setWindowTitle("Digest — readinglist")
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.ctx = ctx
        self.digest: digestsvc.Digest | None = None
        self._handle: TaskHandle | None = None
        self.range = QComboBox()
        self.range.setAccessibleName("Range")
        for label, days in RANGES:
            self.range.addItem(label, days)
        self.range.activated.connect(lambda _i: self.reload())
        self.date = QDateEdit()
        self.date.setAccessibleName("Day")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.date.setDate(_qdate(dt.date.today()))
        self.date.setMaximumDate(_qdate(dt.date.today() + dt.timedelta(days=1)))
        self.date.dateChanged.connect(lambda _d: self.reload())
        self.newest_btn = QPushButton("Newest")
        self.newest_btn.setToolTip("The newest day that has papers")
        self.newest_btn.clicked.connect(lambda: self.show_range(None, None))
        self.status = QLabel()
        self.browser = QTextBrowser()
        self.browser.setObjectName("digestBrowser")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(open_link)
        self.html_btn = QPushButton("Save as HTML…")
        self.md_btn = QPushButton("Save as Markdown…")
        refresh = QPushButton("Refresh")
        close = QPushButton("Close")
        self.html_btn.clicked.connect(lambda: self.save_as("html"))
        self.md_btn.clicked.connect(lambda: self.save_as("markdown"))
        refresh.clicked.connect(self.reload)
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(QLabel("Digest of"))
        top.addWidget(self.range)
        top.addWidget(self.date)
        top.addWidget(self.newest_btn)
        top.addWidget(self.status, 1)
        top.addWidget(refresh)
        bottom = QHBoxLayout()
        bottom.addWidget(self.html_btn)
        bottom.addWidget(self.md_btn)
        bottom.addStretch(1)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.browser, 1)
        lay.addLayout(bottom)
        self.resize(760, 820)
        self._set_saving_enabled(False)

    def _set(self, days: int, end: dt.date) -> None:
        for w in (self.range, self.date):
            w.blockSignals(True)
        self.range.setCurrentIndex(max(0, self.range.findData(days)))
        if self.range.findData(days) < 0:
            self.range.addItem(f"{days} days to", days)
            self.range.setCurrentIndex(self.range.count() - 1)
        self.date.setDate(_qdate(end))
        for w in (self.range, self.date):
            w.blockSignals(False)

    def show_range(self, days: int | None = None, end: dt.date | None = None) -> None:
        """Show ``days`` days ending on ``end``; without ``end``, the newest day with papers."""
        if end is not None:
            self._set(days or 1, end)
            self.reload()
            return
        self.status.setText("Finding the newest day…")

        def found(day: dt.date | None) -> None:
            self._set(days or 1, day or dt.date.today())
            self.reload()

        self.ctx.tasks.run(
            newest, self.ctx.lib, name="digest day", owner=self, on_done=found, on_error=self._failed
        )

    def reload(self) -> None:
        if self._handle is not None and not self._handle.done:
            self._handle.discard()
        days = int(self.range.currentData() or 1)
        q = self.date.date()
        end = dt.date(q.year(), q.month(), q.day())
        self.status.setText("Building the digest…")
        self._set_saving_enabled(False)
        self._handle = self.ctx.tasks.run(
            build, self.ctx.lib, days, end, theme(), name="digest", owner=self,
            on_done=self._built, on_error=self._failed,
        )  # fmt: skip

    def _built(self, res: tuple[digestsvc.Digest, str]) -> None:
        self.digest, text = res
        self.browser.setHtml(text)
        d = self.digest
        new = len(d.new)
        matches = sum(len(a.papers) for a in d.alerts)
        self.status.setText(
            f"{d.label}  ·  {new} new paper{'s' if new != 1 else ''}, "
            f"{matches} alert match{'es' if matches != 1 else ''}"
        )
        self._set_saving_enabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("The digest could not be built.")
        self.ctx.report_error(exc)

    def _set_saving_enabled(self, on: bool) -> None:
        self.html_btn.setEnabled(on)
        self.md_btn.setEnabled(on)

    def save_as(self, fmt: str) -> None:
        d = self.digest
        if d is None:
            return
        flt, ext = FORMATS[fmt]
        name = f"digest-{d.start.isoformat()}" + (f"-{d.end.isoformat()}" if d.end != d.start else "")
        path = prompt.save_file(self, "Save the digest", str(Path.home() / (name + ext)), flt)
        if not path:
            return
        if not Path(path).suffix:
            path += ext
        self.ctx.tasks.run(
            save, d, fmt, path, name="save digest",
            on_done=lambda p: self.ctx.bus.info(f"Digest saved to {p}"), on_error=self.ctx.report_error,
        )  # fmt: skip

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)


class Digests(QObject):
    """Announces what a sync brought and owns the (single) digest window."""

    def __init__(self, ctx: AppContext, notice: NotificationBar, window: QWidget) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.notice = notice
        self.main = window
        self.window: DigestWindow | None = None
        self.tray: QSystemTrayIcon | None = None
        self.last_news: SyncNews | None = None

    def announce(self, news: SyncNews) -> None:
        self.last_news = news
        text = plural(news.new, "new paper")
        if news.matched:
            text += f", {news.matched} {'matches' if news.matched == 1 else 'match'} your alerts"
        self.notice.push_action(text, "Show digest", lambda: self.open(news.days, news.end))
        if QSystemTrayIcon.isSystemTrayAvailable():  # offscreen and some desktops have none
            if self.tray is None:
                self.tray = QSystemTrayIcon(self.main.windowIcon(), self)
                self.tray.setToolTip("readinglist")
                self.tray.messageClicked.connect(
                    lambda: (
                        self.open(self.last_news.days, self.last_news.end) if self.last_news else self.open()
                    )
                )
            self.tray.show()
            self.tray.showMessage("readinglist", text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def open(self, days: int | None = None, today: dt.date | None = None) -> DigestWindow:
        if self.window is None:
            self.window = DigestWindow(self.ctx, self.main)
        self.window.show_range(days, today)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window
