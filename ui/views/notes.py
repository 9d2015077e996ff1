"""The Markdown notes editor with a live preview. It saves as you type: no save button.

Edits are written 500 ms after the last keystroke through the serial write lane, and at once
when the paper changes or the window closes (:meth:`NotesEditor.flush`), so nothing typed is
lost. The preview is CommonMark (markdown-it-py) with raw HTML off, so ``<b>`` in a note shows
as typed and ``a < b && c`` in code stays intact; bare URLs become links and ``$…$`` math is
shown as Unicode (the same TeX conversion as abstracts).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from readinglist.texdisplay import tex_to_unicode

SAVE_DELAY_MS = 500
# QTextDocument's CSS subset: enough to set code apart in both themes.
PREVIEW_CSS = (
    "code { font-family: monospace; background-color: rgba(127, 127, 127, 0.16); }"
    "pre { font-family: monospace; background-color: rgba(127, 127, 127, 0.12); }"
    "blockquote { margin-left: 12px; }"
    ".math { font-family: serif; font-style: italic; }"
)


def _math(content: str, config: dict[str, Any]) -> str:
    shown = html.escape(tex_to_unicode(f"${content}$"), quote=False)
    if config.get("display_mode"):
        return f'<p align="center"><span class="math">{shown}</span></p>'
    return f'<span class="math">{shown}</span>'


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.use(dollarmath_plugin, allow_digits=False, double_inline=True, renderer=_math)
    return md


def render_markdown(text: str) -> str:
    """Markdown to HTML for the preview; any HTML the user typed shows as text."""
    rendered: str = _markdown().render(text)  # markdown-it types render() as Any (renderers vary)
    return rendered


def open_link(url: QUrl) -> None:
    if url.scheme() in ("http", "https"):
        QDesktopServices.openUrl(url)


class NotesEditor(QWidget):
    saved = Signal(int)  # paper id, after a write was queued

    def __init__(
        self, save: Callable[[int, str], object], parent: QWidget | None = None, *, member: str = ""
    ) -> None:
        super().__init__(parent)
        self._save = save
        self.member = member  # who is working: a note by anybody else says whose it is
        self.paper_id: int | None = None
        self._dirty = False
        self._loaded_text = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        heading = QHBoxLayout()
        head = QLabel("Notes")
        head.setObjectName("sectionLabel")
        heading.addWidget(head)
        self.byline = QLabel()
        self.byline.setObjectName("noteAuthor")
        self.byline.setEnabled(False)  # drawn in the muted colour of the theme
        self.byline.hide()
        heading.addWidget(self.byline)
        heading.addStretch(1)
        lay.addLayout(heading)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("notesEdit")
        self.edit.setPlaceholderText("Notes in Markdown — saved as you type")
        self.edit.setAccessibleName("Notes (Markdown)")
        self.edit.setTabChangesFocus(True)
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview = QTextBrowser()
        self.preview.setObjectName("notesPreview")
        self.preview.setOpenLinks(False)
        self.preview.anchorClicked.connect(open_link)
        self.preview.setAccessibleName("Notes preview")
        self.preview.document().setDefaultStyleSheet(PREVIEW_CSS)
        self.splitter.addWidget(self.edit)
        self.splitter.addWidget(self.preview)
        self.splitter.setChildrenCollapsible(True)
        lay.addWidget(self.splitter, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(80)
        self._preview_timer.timeout.connect(self._render)
        self.edit.textChanged.connect(self._edited)
        self.setEnabled(False)

    def set_paper(self, paper_id: int | None, note: str, author: str = "") -> None:
        """Show another paper's note (``author``: who last wrote it), saving the current one first."""
        self.flush()
        self.paper_id = paper_id
        self._load(note, author)
        self.setEnabled(paper_id is not None)

    def refresh(self, note: str, author: str = "") -> None:
        """The same paper changed elsewhere: take its note unless the user is editing it."""
        if self._dirty or self.edit.hasFocus():
            return
        if note != self._loaded_text:
            self._load(note, author)
        else:
            self._show_author(author if note.strip() else "")

    def _load(self, note: str, author: str = "") -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText(note)
        self.edit.blockSignals(False)
        self._loaded_text = note
        self._dirty = False
        self._show_author(author if note.strip() else "")
        self._render()

    def _show_author(self, author: str) -> None:
        other = bool(author) and author != self.member
        self.byline.setText(f"note by {author}" if other else "")
        self.byline.setVisible(other)

    def _edited(self) -> None:
        self._dirty = True
        self._show_author("")  # saved, it is the user's own
        self._timer.start()
        self._preview_timer.start()

    def _render(self) -> None:
        bar = self.preview.verticalScrollBar()
        pos = bar.value()
        text = self.edit.toPlainText()
        if text.strip():
            self.preview.setHtml(render_markdown(text))
        else:
            self.preview.setHtml('<p style="color: gray"><i>The formatted note shows here.</i></p>')
        bar.setValue(pos)

    def flush(self) -> None:
        """Queue the write now if anything is unsaved."""
        self._timer.stop()
        if self._dirty and self.paper_id is not None:
            text = self.edit.toPlainText()
            self._dirty = False
            self._loaded_text = text
            self._save(self.paper_id, text)
            self.saved.emit(self.paper_id)

    @property
    def dirty(self) -> bool:
        return self._dirty
