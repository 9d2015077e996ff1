"""Long jobs in the status bar: what is running, a progress bar, and a cancel button.

Several jobs may run at once (a sync and an import); the bar shows the oldest and counts the
rest. Each job is a :class:`TaskHandle`; cancelling sets its flag and the worker stops.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from readinglist.records import Progress
from ui.tasks import TaskHandle
from ui.views.icons import themed


class JobsIndicator(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobs")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 4, 0)
        lay.setSpacing(6)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel_btn = QToolButton()
        themed(self.cancel_btn, "close")
        self.cancel_btn.setAutoRaise(True)
        self.cancel_btn.setToolTip("Cancel")
        self.cancel_btn.clicked.connect(self.cancel_current)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_btn)
        self.jobs: list[tuple[TaskHandle, str]] = []
        self.last_progress: dict[int, Progress] = {}
        self.hide()

    def track(self, handle: TaskHandle, title: str, cancellable: bool = True) -> None:
        self.jobs.append((handle, title))
        handle.progressed.connect(lambda p, h=handle: self._progress(h, p))
        handle.ended.connect(lambda h=handle: self._ended(h))
        handle.setProperty("cancellable", cancellable)
        self._render()

    def _progress(self, handle: TaskHandle, p: Progress) -> None:
        self.last_progress[id(handle)] = p
        if self.jobs and self.jobs[0][0] is handle:
            self._render()

    def _ended(self, handle: TaskHandle) -> None:
        self.jobs = [(h, t) for h, t in self.jobs if h is not handle]
        self.last_progress.pop(id(handle), None)
        self._render()

    def _render(self) -> None:
        if not self.jobs:
            self.hide()
            return
        handle, title = self.jobs[0]
        p = self.last_progress.get(id(handle))
        text = (p.message if p and p.message else title) + (
            f"  (+{len(self.jobs) - 1})" if len(self.jobs) > 1 else ""
        )
        self.label.setText(text)
        if p is None or not p.total:
            self.bar.setRange(0, 0)  # busy
        else:
            self.bar.setRange(0, p.total)
            self.bar.setValue(min(p.done, p.total))
        self.cancel_btn.setVisible(bool(handle.property("cancellable")))
        self.cancel_btn.setToolTip(f"Cancel: {title}")
        self.show()

    def cancel_current(self) -> None:
        if self.jobs:
            handle = self.jobs[0][0]
            handle.cancel()
            self.label.setText("Cancelling…")
            self.cancel_btn.setEnabled(False)
            handle.ended.connect(lambda: self.cancel_btn.setEnabled(True))

    def current(self) -> TaskHandle | None:
        return self.jobs[0][0] if self.jobs else None

    def is_busy(self) -> bool:
        return bool(self.jobs)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.cancel_current()
        else:
            super().keyPressEvent(event)
