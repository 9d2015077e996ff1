"""The details pane: one paper in full, with its user data editable in place.

It shows a frozen :class:`PaperRow` and emits what the user asked for; the main window routes
those requests to the write lane. The rich text (TeX as Unicode, AI summary, links, search
highlights) is built by :mod:`ui.views.paper_html`. With no paper it shows an empty state,
never the previous paper's buttons.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractSlider,
    QComboBox,
    QLabel,
    QMenu,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from readinglist.records import MatchInfo, PaperRow
from readinglist.search import MARK_OPEN
from readinglist.texdisplay import tex_to_unicode
from ui.views.empty import EmptyState
from ui.views.flow import FlowLayout
from ui.views.icons import themed
from ui.views.notes import NotesEditor, open_link
from ui.views.paper_html import abstract_html, links_html, meta_html, rich
from ui.views.splitter import GripSplitter
from ui.views.tag_editor import TagEditor

STATUSES = (("unread", "Unread"), ("reading", "Reading"), ("read", "Read"))


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
    tag_confirmed = Signal(str)  # an auto tag clicked: it becomes the user's own
    note_edited = Signal(int, str)

    def __init__(self, arxiv_endpoint: str, parent: QWidget | None = None, *, member: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("details")
        self.arxiv = arxiv_endpoint
        self.row: PaperRow | None = None
        self.list_names: list[str] = []
        self.tag_colors: dict[str, str | None] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.empty = EmptyState()
        self.stack.addWidget(self.empty)
        self.splitter = GripSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("detailsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.stack.addWidget(self.splitter)

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
        self.tags.confirm_requested.connect(self.tag_confirmed)
        lay.addWidget(self.tags)
        from ui.views.for_you import ForYouPanel

        self.for_you = ForYouPanel()
        self.for_you.tag_accepted.connect(lambda tag: self.tags_added.emit([tag]))
        lay.addWidget(self.for_you)
        self.why = _label("matchWhy")
        self.why.setTextFormat(Qt.TextFormat.RichText)
        self.why.hide()
        lay.addWidget(self.why)
        self.abstract = QTextBrowser()
        self.abstract.setObjectName("abstract")
        self.abstract.setOpenLinks(False)
        self.abstract.setAccessibleName("Abstract")
        self.abstract.setFrameShape(QTextBrowser.Shape.NoFrame)
        lay.addWidget(self.abstract, 1)
        self.abstract.setMinimumHeight(60)
        # On a short screen the rows above the abstract scroll instead of being squeezed
        # into each other (a 700 px screen cut the buttons and tag chips in half).
        self.top_scroll = QScrollArea()
        self.top_scroll.setObjectName("detailsTopScroll")
        self.top_scroll.setWidget(top)
        self.top_scroll.setWidgetResizable(True)
        self.top_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.top_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # No tab stop of its own, and a click on it leaves the list's triage keys working.
        self.top_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.splitter.addWidget(self.top_scroll)

        self.notes = NotesEditor(lambda pid, text: self.note_edited.emit(pid, text), member=member)
        notes_layout = self.notes.layout()
        assert notes_layout is not None  # NotesEditor lays itself out
        notes_layout.setContentsMargins(16, 6, 16, 12)
        self.splitter.addWidget(self.notes)
        self.notes.setMinimumHeight(120)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([540, 360])  # until the user's own split is restored
        self.show_empty()
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
        themed(b, icon_name)
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
        themed(self.save_btn, "saved" if self.save_btn.isChecked() else "save")
        self.save_btn.setText("Saved" if self.save_btn.isChecked() else "Save")
        if self.star_btn.isChecked():
            themed(self.star_btn, "star-filled", "#f59e0b")
        else:
            themed(self.star_btn, "star")

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
        if row is None:
            self.notes.set_paper(None, "")
            self.tags.set_tags((), {})
            for b in (self.save_btn, self.star_btn):
                b.blockSignals(True)
                b.setChecked(False)
                b.blockSignals(False)
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.splitter)
        self.title.setText(rich(row.title))
        self.title.setToolTip(row.title if tex_to_unicode(row.title) != row.title else "")
        self.authors.setText(html.escape(", ".join(row.authors)) or "<i>Unknown authors</i>")
        self.meta.setText(meta_html(row))
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
        themed(self.pdf_btn, "pdf" if row.pdf else "download")
        self.pdf_btn.setToolTip(
            "Open the PDF (O)" if row.pdf else "Download the PDF from arXiv and open it (O)"
        )
        self.tags.set_tags(row.tags, self.tag_colors, row.auto_tags)
        if same:
            self.notes.refresh(row.note, row.note_author)
            return
        self.why.hide()
        self._show_abstract(row)
        self.abstract.verticalScrollBar().setValue(0)
        self.notes.set_paper(row.id, row.note, row.note_author)

    def _show_abstract(self, row: PaperRow, abstract: str | None = None) -> None:
        meta = row.meta
        self.abstract.setHtml(
            abstract_html(
                abstract if abstract is not None else row.abstract,
                meta.ai_summary if meta else None,
                meta.ai_keywords if meta else (),
            )
        )

    def clear_match(self) -> None:
        """The search is over: the plain title and abstract again."""
        if self.row is not None and (self.why.isVisible() or MARK_OPEN in self.title.text()):
            self.title.setText(rich(self.row.title))
            self._show_abstract(self.row)
        self.why.hide()

    def show_match(self, paper_id: int, info: MatchInfo | None) -> None:
        """A search's reasons for the shown paper: marked title and abstract, PDF pages."""
        row = self.row
        if row is None or row.id != paper_id:
            return
        if info is None:
            self.why.hide()
            return
        if MARK_OPEN in info.title:
            self.title.setText(rich(info.title))
        if info.abstract and MARK_OPEN in info.abstract:
            bar = self.abstract.verticalScrollBar().value()
            self._show_abstract(row, info.abstract)
            self.abstract.verticalScrollBar().setValue(bar)
        lines = []
        if info.pdf_pages:
            pages = ", ".join(map(str, info.pdf_pages[:12])) + ("…" if len(info.pdf_pages) > 12 else "")
            word = "page" if len(info.pdf_pages) == 1 else "pages"
            lines.append(f"<b>Found in the PDF</b> on {word} {pages}: “{rich(info.pdf_snippet)}”")
        if info.snippet and not (info.abstract and MARK_OPEN in info.abstract):
            lines.append(f"<b>Matched:</b> “{rich(info.snippet)}”")
        self.why.setText("<br>".join(lines))
        self.why.setVisible(bool(lines))

    def show_empty(
        self,
        title: str = "No paper selected",
        text: str = "Pick a paper in the list to read its abstract and notes.<br>"
        "<b>J</b>/<b>K</b> move · <b>S</b> saves · <b>D</b> dismisses · <b>O</b> opens the PDF",
        icon_name: str = "library",
    ) -> None:
        """What the pane says while no paper is shown (the main window words it for the view)."""
        self.empty.set(icon_name, title, text)

    def set_tag_colors(self, colors: dict[str, str | None]) -> None:
        if colors == self.tag_colors:
            return
        self.tag_colors = colors
        if self.row is not None:
            self.tags.tags = ()
            self.tags.set_tags(self.row.tags, colors, self.row.auto_tags)

    def accept_suggestion(self, n: int) -> bool:
        """Alt+1..Alt+3: add the n-th tag For you suggests for the shown paper (if shown)."""
        chips = self.for_you.chip_buttons() if self.for_you.isVisible() else []
        if self.row is None or n >= len(chips):
            return False
        chips[n].click()
        return True

    def page_abstract(self) -> None:
        """Space: the next page of the abstract (back to the top after the end)."""
        bar = self.abstract.verticalScrollBar()
        if bar.value() >= bar.maximum():
            bar.setValue(0)
        else:
            bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepAdd)
