"""The reader window: one per paper. Layout and wiring; the work is in view, tools, model, search."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QActionGroup, QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from readinglist.annotations_md import COLORS
from readinglist.records import AnnotationRecord
from readinglist.services import annotations as service
from readinglist.services.library import Library
from readinglist.textutil import plural
from ui.reader import dialogs, overlay, prefs
from ui.reader.actions import build_actions
from ui.reader.model import AnnotationModel
from ui.reader.panel import AnnotationsPanel, swatch
from ui.reader.pdfdoc import DocInfo, PdfDocument
from ui.reader.search import SearchController
from ui.reader.sidebar import Sidebar
from ui.reader.tools import MARKUP, ToolController
from ui.reader.view import PageView
from ui.reader.worker import PRIORITY_WRITE, pdf_worker

SIDEBAR_WIDTH = 170  # logical pixels: thumbnails fit; the page gets the room
PANEL_WIDTH = 260


def _write_text(path: Path, text: str) -> None:
    """Write next to the target, fsync, then rename over it: never a half-written file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ReaderWindow(QMainWindow):
    closed = Signal(int)  # paper id
    opened = Signal()  # the document is laid out and the annotations are loaded

    def __init__(self, lib: Library, paper_id: int, pdf_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lib, self.paper_id, self.pdf_path = lib, paper_id, Path(pdf_path)
        self.citekey: str | None = None
        self.info: DocInfo | None = None
        self.worker = pdf_worker()
        self.doc = PdfDocument(self.pdf_path)
        self.model = AnnotationModel(lib, paper_id, self.worker)
        self.view = PageView(self.doc, self.worker, self.model)
        self.tools = ToolController(self.view, self.doc)
        self.view.tool = self.tools
        self.search = SearchController(self.view)
        self.view.search = self.search
        self.setCentralWidget(self.view)
        self.setWindowTitle(self.pdf_path.name)
        self.resize(1100, 900)

        self.sidebar = Sidebar(self.view)
        self.sidebar_dock = self._dock(self.sidebar, self.tr("Pages"), Qt.DockWidgetArea.LeftDockWidgetArea)
        self.panel = AnnotationsPanel(self.model)
        self.panel_dock = self._dock(
            self.panel, self.tr("Annotations"), Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.actions_ = build_actions(self, self._slots())
        self._build_toolbar()
        self._build_menus()
        self._wire()
        self._restore_layout()
        self.statusBar().showMessage(self.tr("Opening %1…").replace("%1", self.pdf_path.name))
        self.worker.submit(
            self._job_open, priority=PRIORITY_WRITE, done=self._opened, failed=self._open_failed, owner=self
        )

    # -- construction ------------------------------------------------------------------------
    def _dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"reader-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _slots(self) -> dict[str, Callable[..., object]]:
        v = self.view
        s: dict[str, Callable[..., object]] = {}
        s.update(
            save_copy=self.save_annotated_copy, export_md=self.export_markdown, to_note=self.append_to_note,
            close=self.close, undo=self.model.undo, redo=self.model.redo,
            copy=self.tools.copy, comment=lambda: self.edit_comment(), delete=self.delete_selected,
            find=self._focus_search, find_next=lambda: self.search.next(1), find_prev=lambda: self.search.next(-1),
            goto=self._focus_page, zoom_in=v.zoom_in, zoom_out=v.zoom_out, zoom_reset=lambda: v.set_zoom(1.0),
            fit_width=v.fit_width, fit_page=v.fit_page,
            line_down=lambda: self._scroll_lines(1), line_up=lambda: self._scroll_lines(-1),
            sidebar=lambda: self.sidebar_dock.setVisible(not self.sidebar_dock.isVisible()),
            panel=lambda: self.panel_dock.setVisible(not self.panel_dock.isVisible()),
        )  # fmt: skip
        for tool in ("select", "highlight", "underline", "strikeout", "note", "ink", "rectangle"):
            s[f"tool_{tool}"] = lambda *_, t=tool: self.use_tool(t)  # *_ takes "checked"
        for name, hex_ in COLORS.items():
            s[f"color_{name}"] = lambda *_, c=hex_: self.use_color(c)
        return s

    def _scroll_lines(self, step: int) -> None:
        """j/k: a few lines down or up (Sioyek's and Vim's keys)."""
        bar = self.view.verticalScrollBar()
        bar.setValue(bar.value() + step * max(40, bar.pageStep() // 8))

    def _restore_layout(self) -> None:
        """Side panels start narrow; after that, as the user left them (window state in QSettings)."""
        geometry, state = prefs.window_state()
        self.restored_geometry = not geometry.isEmpty() and self.restoreGeometry(geometry)
        if state.isEmpty() or not self.restoreState(state):
            self.resizeDocks(
                [self.sidebar_dock, self.panel_dock], [SIDEBAR_WIDTH, PANEL_WIDTH], Qt.Orientation.Horizontal
            )

    def _build_toolbar(self) -> None:
        a = self.actions_
        bar = QToolBar(self.tr("Reader"), self)
        bar.setObjectName("reader-toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.addToolBar(bar)
        group = QActionGroup(self)
        for tool in ("select", "highlight", "underline", "strikeout", "note", "ink", "rectangle"):
            action = a[f"tool_{tool}"]
            action.setCheckable(True)
            group.addAction(action)
            bar.addAction(action)
        a["tool_select"].setChecked(True)
        self.color_button = QToolButton(self)
        self.color_button.setToolTip(self.tr("Annotation colour (1–8)"))
        menu = QMenu(self.color_button)
        for name in COLORS:
            action = a[f"color_{name}"]
            action.setIcon(swatch(COLORS[name]))
            menu.addAction(action)
        self.color_button.setMenu(menu)
        self.color_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.color_button.setIcon(swatch(self.tools.color))
        bar.addWidget(self.color_button)
        bar.addSeparator()
        # Icons with tooltips; the short labels show only where an icon is missing.
        for name, short in (("zoom_out", "−"), ("zoom_in", "+"), ("fit_width", "↔"), ("fit_page", "⤢")):
            a[name].setIconText(short)
            bar.addAction(a[name])
        self.zoom_label = QLabel("100%")
        bar.addWidget(self.zoom_label)
        bar.addSeparator()
        self.page_box = QSpinBox()
        self.page_box.setRange(1, 1)
        self.page_box.setKeyboardTracking(False)
        self.page_box.setAccessibleName(self.tr("Page number"))
        self.page_count = QLabel("/ –")
        bar.addWidget(self.page_box)
        bar.addWidget(self.page_count)
        bar.addSeparator()
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText(self.tr("Find (Ctrl+F)"))
        self.find_box.setClearButtonEnabled(True)
        self.find_box.setMinimumWidth(140)
        self.find_box.setMaximumWidth(240)
        bar.addWidget(self.find_box)
        for name, short in (("find_prev", "▲"), ("find_next", "▼")):
            a[name].setIconText(short)
            bar.addAction(a[name])
        self.find_count = QLabel()
        bar.addWidget(self.find_count)

    def _build_menus(self) -> None:
        a, mb = self.actions_, self.menuBar()
        sections = {
            self.tr("&File"): ("save_copy", "export_md", "to_note", None, "close"),
            self.tr("&Edit"): ("undo", "redo", None, "copy", "comment", "delete", None, "find", "find_next", "find_prev"),
            self.tr("&View"): ("zoom_in", "zoom_out", "zoom_reset", "fit_width", "fit_page", None, "goto", None, "sidebar", "panel"),
            self.tr("&Annotate"): ("tool_select", "tool_highlight", "tool_underline", "tool_strikeout", "tool_note", "tool_ink", "tool_rectangle", None),
        }  # fmt: skip
        for title, names in sections.items():
            menu = mb.addMenu(title)
            for name in names:
                menu.addSeparator() if name is None else menu.addAction(a[name])
        colors = menu.addMenu(self.tr("&Colour"))
        for name in COLORS:
            colors.addAction(a[f"color_{name}"])

    def _wire(self) -> None:
        v = self.view
        v.viewport().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        v.viewport().customContextMenuRequested.connect(self._context_menu)
        v.currentPageChanged.connect(self._page_changed)
        v.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{round(z * 100)}%"))
        self.page_box.valueChanged.connect(
            lambda n: v.go_to_page(n - 1) if n - 1 != v.current_page() else None
        )
        self.sidebar.pageActivated.connect(v.go_to_page)
        self.find_box.returnPressed.connect(self._find)
        self.find_box.textChanged.connect(lambda text: self.search.clear() if not text else None)
        self.search.updated.connect(self._search_updated)
        self.panel.activated.connect(self.jump_to)
        self.panel.editRequested.connect(self.edit_comment)
        self.panel.deleteRequested.connect(self.model.delete)
        self.model.failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.tools.message.connect(lambda msg: self.statusBar().showMessage(msg, 5000))
        self.tools.toolChanged.connect(lambda t: self.actions_[f"tool_{t}"].setChecked(True))
        self.tools.colorChanged.connect(lambda c: self.color_button.setIcon(swatch(c)))
        self.worker.error.connect(self._worker_error)
        self.model.historyChanged.connect(self._history_changed)
        self.actions_["undo"].setEnabled(False)
        self.actions_["redo"].setEnabled(False)

    def _history_changed(self, undo: str | None, redo: str | None) -> None:
        """The Edit menu names what undo and redo would do (the library's history is shared)."""
        for name, label in (("undo", undo), ("redo", redo)):
            action = self.actions_[name]
            action.setEnabled(label is not None)
            verb = self.tr("&Undo") if name == "undo" else self.tr("&Redo")
            action.setText(f"{verb} {label}" if label else verb)

    # -- opening -----------------------------------------------------------------------------
    def _job_open(self) -> tuple[DocInfo, list[AnnotationRecord], str, str | None]:
        """Runs on the worker: the annotations, then the PDF (hiding PDF copies of imported ones)."""
        paper = self.lib.get(self.paper_id)
        records = service.list_annotations(self.lib, self.paper_id)
        # The PDF's own copies of imported annotations: drawn from the database, or deleted.
        dismissed = service.dismissed_fingerprints(self.lib, self.paper_id)
        self.doc.set_hidden({r.fingerprint for r in records if r.fingerprint} | dismissed)
        return self.doc.open(), records, paper.title, paper.citekey

    def _opened(self, result: tuple[DocInfo, list[AnnotationRecord], str, str | None]) -> None:
        info, records, title, self.citekey = result
        self.info = info
        self.setWindowTitle(f"{title} — {self.pdf_path.name}")
        self.page_box.setRange(1, len(info.pages))
        self.page_count.setText(f"/ {len(info.pages)}")
        self.view.set_document(info)
        self.sidebar.set_document(info)
        self.model.load(records)
        last = prefs.last_page(self.paper_id)
        if 0 < last < len(info.pages):
            self.view.go_to_page(last)
        self.statusBar().clearMessage()
        self.opened.emit()

    def _open_failed(self, exc: BaseException) -> None:
        self.statusBar().showMessage(str(exc))
        dialogs.show_error(self, self.tr("Cannot open the PDF"), str(exc))

    def _worker_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    # -- navigation, search ------------------------------------------------------------------
    def _page_changed(self, n: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(n + 1)
        self.page_box.blockSignals(False)
        prefs.set_last_page(self.paper_id, n)

    def _focus_page(self) -> None:
        self.page_box.setFocus()
        self.page_box.selectAll()

    def _focus_search(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def _find(self) -> None:
        text = self.find_box.text().strip()
        if text and text == self.search.needle:
            self.search.next(1)
        else:
            self.search.start(text)

    def _search_updated(self) -> None:
        s = self.search
        if not s.needle:
            self.find_count.setText("")
            return
        more = "" if s.finished else "…"
        self.find_count.setText(
            self.tr("%1 of %2").replace("%1", str(s.index())).replace("%2", f"{s.count}{more}")
        )

    def jump_to(self, key: int) -> None:
        rec = self.model.get(key)
        if rec is None:
            return
        self.model.select(key)
        box = overlay.bounds(rec, self.view.page_transform(rec.page))
        page_box = self.view.page_transform(rec.page).inverted()[0].mapRect(box)
        self.view.reveal(rec.page, QRectF(page_box))

    def _context_menu(self, pos: QPoint) -> None:
        """Right-click: what applies to the annotation under the pointer, or to the selection."""
        a = self.actions_
        key = self.tools.annotation_at(QPointF(pos)) if self.info is not None else None
        if key is not None:
            self.model.select(key)
        menu = QMenu(self)
        if key is not None:
            names = ["comment", "delete", None, *(f"color_{c}" for c in COLORS)]
        elif self.tools.selection is not None:
            names = ["copy", None, "tool_highlight", "tool_underline", "tool_strikeout"]
        else:
            names = ["fit_width", "fit_page", "goto", "find"]
        for name in names:
            menu.addSeparator() if name is None else menu.addAction(a[name])
        menu.exec(self.view.viewport().mapToGlobal(pos))

    # -- annotation commands -----------------------------------------------------------------
    def use_tool(self, tool: str) -> None:
        if tool in MARKUP and self.tools.selection is not None and self.tools.tool == "select":
            self.tools.apply_markup(tool)  # H/U/K with text selected: mark it up, keep selecting
            self.actions_["tool_select"].setChecked(True)
            return
        self.tools.set_tool(tool)

    def use_color(self, color: str) -> None:
        self.tools.color = color
        self.tools.picked = True
        self.color_button.setIcon(swatch(color))
        if self.model.selected is not None:
            self.model.edit(self.model.selected, color=color)

    def delete_selected(self) -> None:
        if self.model.selected is not None:
            self.model.delete(self.model.selected)

    def edit_comment(self, key: int | None = None) -> None:
        key = self.model.selected if key is None else key
        rec = self.model.get(key) if key is not None else None
        if key is None or rec is None:
            self.statusBar().showMessage(self.tr("Select an annotation first"), 3000)
            return
        text = dialogs.edit_text(
            self, self.tr("Comment"), self.tr("Comment on this %1:").replace("%1", rec.kind), rec.comment
        )
        if text is not None:
            self.model.edit(key, comment=text)

    # -- export ------------------------------------------------------------------------------
    def _suggest(self, suffix: str) -> str:
        stem = self.citekey or self.pdf_path.stem
        return str(Path.home() / f"{stem}{suffix}")

    def _run_export(self, fn: object, done_message: str) -> None:
        def failed(exc: BaseException) -> None:
            dialogs.show_error(self, self.tr("Export failed"), str(exc))

        def done(result: object) -> None:
            count = result if isinstance(result, int) else 0
            self.statusBar().showMessage(done_message.replace("%1", plural(count, "annotation")), 8000)

        # After any annotation writes still queued: same priority, first in first out.
        self.worker.submit(fn, priority=PRIORITY_WRITE, done=done, failed=failed, owner=self)  # type: ignore[arg-type]

    def save_annotated_copy(self) -> None:
        path = dialogs.save_path(
            self, self.tr("Save Annotated Copy"), self._suggest("-annotated.pdf"), "PDF (*.pdf)"
        )
        if path:
            dst = Path(path)
            self._run_export(
                lambda: service.export_annotated_pdf(self.lib, self.paper_id, dst),
                f"Saved %1 to {dst}",
            )

    def export_markdown(self) -> None:
        path = dialogs.save_path(
            self, self.tr("Export Annotations"), self._suggest("-annotations.md"), "Markdown (*.md)"
        )
        if path:
            dst = Path(path)

            def job() -> int:
                _write_text(dst, service.annotations_markdown_for(self.lib, self.paper_id))
                return len(self.model)

            self._run_export(job, f"Exported %1 to {dst}")

    def append_to_note(self) -> None:
        def job() -> int:
            service.append_annotations_to_note(self.lib, self.paper_id)
            return len(self.model)

        self._run_export(job, "Added %1 to the note")

    # -- closing -----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        prefs.set_last_page(self.paper_id, self.view.current_page())
        prefs.set_window_state(self.saveGeometry(), self.saveState())
        self.view.cancel_all()
        self.search.clear(notify=False)
        self.worker.cancel_owner(self)
        self.model.failed.disconnect()
        self.model.detach()
        self.view.tiles.clear()
        self.view.previews.clear()
        # Queued annotation writes still run (same lane, first in first out); then the PDF closes.
        self.worker.submit(self.doc.close, priority=PRIORITY_WRITE)
        self.closed.emit(self.paper_id)
        super().closeEvent(event)
