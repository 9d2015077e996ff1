"""The details pane: one paper in full, with its user data editable in place.

It shows a frozen :class:`PaperRow` and emits what the user asked for; the main window routes
those requests to the write lane. Abstracts are escaped before display (summaries contain
literal ``<EOS>`` and ``<a href>`` text) and inline ``$…$`` math is set in italics.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractSlider,
    QComboBox,
    QLabel,
    QMenu,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from readinglist.records import PaperRow
from ui.views.flow import FlowLayout
from ui.views.icons import icon
from ui.views.notes import NotesEditor, open_link
from ui.views.tag_editor import TagEditor

STATUSES = (("unread", "Unread"), ("reading", "Reading"), ("read", "Read"))
_MATH = re.compile(r"\$([^$\n]{1,200})\$")
_SCRIPT = re.compile(r"([\^_])(\{[^{}]*\}|\\?[A-Za-z0-9]+)")
_TEX = {
    r"\log": "log", r"\sqrt": "√", r"\mathcal": "", r"\cdot": "·", r"\times": "×", r"\leq": "≤",
    r"\geq": "≥", r"\approx": "≈", r"\infty": "∞", r"\alpha": "α", r"\beta": "β", r"\epsilon": "ε",
    r"\lambda": "λ", r"\theta": "θ", r"\sim": "∼", r"\in": "∈", r"\ell": "ℓ",
}  # fmt: skip


def _math(inner: str) -> str:
    for k, v in _TEX.items():
        inner = re.sub(re.escape(k) + r"(?![A-Za-z])", v, inner)
    inner = html.escape(inner.replace("{", "{").replace("}", "}"), quote=False)

    def script(m: re.Match[str]) -> str:
        tag = "sup" if m.group(1) == "^" else "sub"
        return f"<{tag}>{m.group(2).strip('{}')}</{tag}>"

    inner = _SCRIPT.sub(script, inner)
    inner = inner.replace("{", "").replace("}", "")
    return f'<span style="font-family: serif; font-style: italic">{inner}</span>'


def abstract_html(text: str) -> str:
    """The abstract as safe HTML: everything escaped, ``$O(n^2)$`` set as math, paragraphs kept."""
    out = []
    pos = 0
    for m in _MATH.finditer(text):
        out.append(html.escape(text[pos : m.start()], quote=False))
        out.append(_math(m.group(1)))
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    body = "".join(out)
    paras = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paras) or "<p><i>No abstract.</i></p>"


def links_html(row: PaperRow, arxiv: str) -> str:
    links = []
    if row.arxiv_id:
        links.append((f"{arxiv}/abs/{row.arxiv_id}", "arXiv"))
        links.append((f"https://huggingface.co/papers/{row.arxiv_id}", "Hugging Face"))
    if row.doi:
        links.append((f"https://doi.org/{row.doi}", "DOI"))
    if row.github_repo:
        links.append((row.github_repo, "Code"))
    if row.project_page:
        links.append((row.project_page, "Project page"))
    return " · ".join(f'<a href="{html.escape(u)}">{html.escape(t)}</a>' for u, t in links)


def _label(name: str, wrap: bool = True, selectable: bool = True) -> QLabel:
    lab = QLabel()
    lab.setObjectName(name)
    lab.setWordWrap(wrap)
    if selectable:
        lab.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
    return lab


class DetailsPane(QWidget):
    save_toggled = Signal(bool)
    star_toggled = Signal(bool)
    status_chosen = Signal(str)
    list_toggled = Signal(str, bool)
    open_pdf = Signal()
    tags_added = Signal(list)
    tag_removed = Signal(str)
    note_edited = Signal(int, str)

    def __init__(self, arxiv_endpoint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("details")
        self.arxiv = arxiv_endpoint
        self.row: PaperRow | None = None
        self.list_names: list[str] = []
        self.tag_colors: dict[str, str | None] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("detailsSplitter")
        outer.addWidget(self.splitter)

        top = QWidget()
        top.setObjectName("detailsTop")
        lay = QVBoxLayout(top)
        lay.setContentsMargins(16, 14, 16, 8)
        lay.setSpacing(6)
        self.title = _label("paperTitle")
        self.authors = _label("paperAuthors")
        self.meta = _label("paperMeta")
        self.links = _label("paperLinks")
        self.links.setOpenExternalLinks(False)
        self.links.linkActivated.connect(lambda url: open_link(QUrl(url)))
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        for w in (self.title, self.authors, self.meta, self.links):
            lay.addWidget(w)
        buttons = QWidget()
        buttons.setLayout(self._buttons())
        lay.addWidget(buttons)
        self.tags = TagEditor()
        self.tags.add_requested.connect(self.tags_added)
        self.tags.remove_requested.connect(self.tag_removed)
        lay.addWidget(self.tags)
        self.abstract = QTextBrowser()
        self.abstract.setObjectName("abstract")
        self.abstract.setOpenLinks(False)
        self.abstract.setAccessibleName("Abstract")
        self.abstract.setFrameShape(QTextBrowser.Shape.NoFrame)
        lay.addWidget(self.abstract, 1)
        self.splitter.addWidget(top)

        self.notes = NotesEditor(lambda pid, text: self.note_edited.emit(pid, text))
        self.notes.layout().setContentsMargins(16, 6, 16, 12)
        self.splitter.addWidget(self.notes)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.show_row(None)

    def _buttons(self) -> FlowLayout:
        row = FlowLayout(spacing=6, expand_last=False)
        self.save_btn = self._tool("save", "Save", "Keep this paper in the library (S)", checkable=True)
        self.save_btn.toggled.connect(self._save_clicked)
        self.star_btn = self._tool("star", "Star", "Star this paper (*)", checkable=True)
        self.star_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.star_btn.toggled.connect(self._star_clicked)
        self.status = QComboBox()
        self.status.setAccessibleName("Reading status")
        self.status.setToolTip("Reading status (R cycles)")
        for key, label in STATUSES:
            self.status.addItem(label, key)
        self.status.activated.connect(lambda i: self.status_chosen.emit(self.status.itemData(i)))
        self.lists_btn = self._tool("list", "Lists", "Reading lists this paper is in")
        self.lists_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.lists_menu = QMenu(self.lists_btn)
        self.lists_menu.aboutToShow.connect(self._fill_lists)
        self.lists_btn.setMenu(self.lists_menu)
        self.pdf_btn = self._tool("pdf", "PDF", "Open the PDF, downloading it first if needed (O)")
        self.pdf_btn.clicked.connect(self.open_pdf)
        for w in (self.save_btn, self.star_btn, self.status, self.lists_btn, self.pdf_btn):
            row.addWidget(w)
        return row

    @staticmethod
    def _tool(icon_name: str, text: str, tip: str, checkable: bool = False) -> QToolButton:
        b = QToolButton()
        b.setIcon(icon(icon_name))
        b.setText(text)
        b.setToolTip(tip)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setCheckable(checkable)
        b.setAutoRaise(False)
        return b

    def _save_clicked(self, on: bool) -> None:
        if self.row is not None and on != self.row.saved:
            self.save_toggled.emit(on)
        self._sync_button_icons()

    def _star_clicked(self, on: bool) -> None:
        if self.row is not None and on != self.row.starred:
            self.star_toggled.emit(on)
        self._sync_button_icons()

    def _sync_button_icons(self) -> None:
        self.save_btn.setIcon(icon("saved" if self.save_btn.isChecked() else "save"))
        self.save_btn.setText("Saved" if self.save_btn.isChecked() else "Save")
        self.star_btn.setIcon(icon("star-filled", "#f59e0b") if self.star_btn.isChecked() else icon("star"))

    def _fill_lists(self) -> None:
        self.lists_menu.clear()
        mine = set(self.row.lists) if self.row else set()
        if not self.list_names:
            a = self.lists_menu.addAction("No reading lists yet")
            a.setEnabled(False)
        for name in self.list_names:
            a = QAction(name, self.lists_menu)
            a.setCheckable(True)
            a.setChecked(name in mine)
            a.toggled.connect(lambda on, n=name: self.list_toggled.emit(n, on))
            self.lists_menu.addAction(a)

    # -- showing a paper ---------------------------------------------------------------------
    def show_row(self, row: PaperRow | None) -> None:
        """Show ``row`` (None: nothing selected). The same paper again only refreshes fields."""
        same = row is not None and self.row is not None and row.id == self.row.id
        self.row = row
        enabled = row is not None
        for w in (self.save_btn, self.star_btn, self.status, self.lists_btn, self.pdf_btn, self.tags):
            w.setEnabled(enabled)
        if row is None:
            self.title.setText("No paper selected")
            self.authors.setText("")
            self.meta.setText("Pick a paper in the list; J and K move, S saves, D dismisses.")
            self.links.setText("")
            self.abstract.setHtml("")
            self.notes.set_paper(None, "")
            self.tags.set_tags((), {})
            return
        self.title.setText(html.escape(row.title))
        self.authors.setText(html.escape(", ".join(row.authors)) or "<i>Unknown authors</i>")
        self.meta.setText(self._meta_text(row))
        self.links.setText(links_html(row, self.arxiv))
        for b, on in ((self.save_btn, row.saved), (self.star_btn, row.starred)):
            b.blockSignals(True)
            b.setChecked(on)
            b.blockSignals(False)
        self._sync_button_icons()
        self.status.setCurrentIndex(
            [k for k, _ in STATUSES].index(row.status) if row.status in dict(STATUSES) else 0
        )
        self.lists_btn.setText(f"Lists · {len(row.lists)}" if row.lists else "Lists")
        self.pdf_btn.setIcon(icon("pdf" if row.pdf else "download"))
        self.pdf_btn.setToolTip(
            "Open the PDF (O)" if row.pdf else "Download the PDF from arXiv and open it (O)"
        )
        self.tags.set_tags(row.tags, self.tag_colors)
        if same:
            self.notes.refresh(row.note)
            return
        self.abstract.setHtml(abstract_html(row.abstract))
        self.abstract.verticalScrollBar().setValue(0)
        self.notes.set_paper(row.id, row.note)

    @staticmethod
    def _meta_text(row: PaperRow) -> str:
        parts = []
        if row.published:
            parts.append(f"{row.published.day} {row.published:%B %Y}")
        if row.arxiv_id:
            parts.append(f"arXiv:{row.arxiv_id}" + (f"v{row.version}" if row.version else ""))
        if row.upvotes:
            parts.append(f"▲ {row.upvotes}")
        if row.num_comments:
            parts.append(f"{row.num_comments} comment{'s' if row.num_comments != 1 else ''}")
        if row.citekey:
            parts.append(f"<code>{html.escape(row.citekey)}</code>")
        return " · ".join(parts)

    def set_tag_colors(self, colors: dict[str, str | None]) -> None:
        if colors == self.tag_colors:
            return
        self.tag_colors = colors
        if self.row is not None:
            self.tags.tags = ()
            self.tags.set_tags(self.row.tags, colors)

    def page_abstract(self) -> None:
        """Space: the next page of the abstract (back to the top after the end)."""
        bar = self.abstract.verticalScrollBar()
        if bar.value() >= bar.maximum():
            bar.setValue(0)
        else:
            bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)
