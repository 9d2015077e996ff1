"""Every QAction of the app, built in one registry keyed by :class:`ActionId`.

The main window attaches them to menus and widgets and connects them; the shortcuts window is
generated from :data:`SPECS`. Single-key triage shortcuts are scoped to the main content (see
:class:`Scope`) and do not fire while a text field has focus: line edits and text editors
claim printable keys first (Qt's ShortcutOverride), and :func:`typing_in_text_field` guards too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from ui.views.icons import icon, themed


class ActionId(enum.Enum):
    NEXT = enum.auto()
    PREV = enum.auto()
    PAGE_ABSTRACT = enum.auto()
    SAVE = enum.auto()
    DISMISS = enum.auto()
    DISMISS_TOPIC = enum.auto()
    TAG = enum.auto()
    ACCEPT_TAG_1 = enum.auto()
    ACCEPT_TAG_2 = enum.auto()
    ACCEPT_TAG_3 = enum.auto()
    CYCLE_STATUS = enum.auto()
    STAR = enum.auto()
    OPEN_PDF = enum.auto()
    DOWNLOAD_PDF = enum.auto()
    OPEN_IN_BROWSER = enum.auto()
    OPEN_ON_HF = enum.auto()
    SHOW_IN_FOLDER = enum.auto()
    COPY_LINK = enum.auto()
    REKEY = enum.auto()
    DELETE = enum.auto()
    FOCUS_SEARCH = enum.auto()
    SAVE_SEARCH = enum.auto()
    COPY_BIBTEX = enum.auto()
    COPY_CITEKEY = enum.auto()
    COPY_CITATION = enum.auto()
    UNDO = enum.auto()
    REDO = enum.auto()
    SYNC_NOW = enum.auto()
    IMPORT = enum.auto()
    IMPORT_ZOTERO = enum.auto()
    EXPORT = enum.auto()
    NEW_LIST = enum.auto()
    SHOW_DOWNLOADS = enum.auto()
    SETTINGS = enum.auto()
    DISCOVER = enum.auto()
    DISCOVER_ADD = enum.auto()
    DISCOVER_MORE = enum.auto()
    DIGEST = enum.auto()
    SHORTCUTS = enum.auto()
    ABOUT = enum.auto()
    QUIT = enum.auto()


class Scope(enum.Enum):
    WINDOW = "window"  # anywhere in the main window (modifier shortcuts)
    TRIAGE = "triage"  # single keys: the sidebar, paper list and details pane
    LIST = "list"  # only while the paper list or the abstract has focus (Space)
    DISCOVER = "discover"  # only while the Discover results have focus


@dataclass(frozen=True)
class Spec:
    text: str
    keys: tuple[str, ...] = ()
    icon: str | None = None
    tip: str = ""
    scope: Scope = Scope.WINDOW
    group: str = "General"


SPECS: dict[ActionId, Spec] = {
    ActionId.NEXT: Spec("Next paper", ("J",), None, "Move to the next paper", Scope.TRIAGE, "Triage"),
    ActionId.PREV: Spec("Previous paper", ("K",), None, "Move to the previous paper", Scope.TRIAGE, "Triage"),
    ActionId.PAGE_ABSTRACT: Spec("Page the abstract", ("Space",), None, "Scroll the details down a page", Scope.LIST, "Triage"),
    ActionId.SAVE: Spec("Save to library", ("S",), "save", "Keep the selected papers in the library", Scope.TRIAGE, "Triage"),
    ActionId.DISMISS: Spec("Dismiss", ("D",), "dismiss", "Hide the selected papers from the feed and move on", Scope.TRIAGE, "Triage"),
    ActionId.DISMISS_TOPIC: Spec("Dismiss topic", ("Shift+D",), "dismiss", "Dismiss every paper of this paper's topic of the day (For you's clusters; Ctrl+Z undoes)", Scope.TRIAGE, "Triage"),
    ActionId.TAG: Spec("Tag…", ("T",), "tag", "Edit the tags of the selected papers", Scope.TRIAGE, "Triage"),
    **{
        aid: Spec(f"Accept suggested tag {n}", (f"Alt+{n}",), None, f"Add the {nth} tag For you suggests for this paper", Scope.WINDOW, "Triage")
        for n, nth, aid in ((1, "first", ActionId.ACCEPT_TAG_1), (2, "second", ActionId.ACCEPT_TAG_2), (3, "third", ActionId.ACCEPT_TAG_3))
    },
    ActionId.CYCLE_STATUS: Spec("Cycle reading status", ("R",), None, "Unread → Reading → Read", Scope.TRIAGE, "Triage"),
    ActionId.STAR: Spec("Star", ("*",), "star", "Star or unstar the selected papers", Scope.TRIAGE, "Triage"),
    ActionId.OPEN_PDF: Spec("Open PDF", ("O",), "pdf", "Open the PDF, downloading it first if needed", Scope.TRIAGE, "Papers"),
    ActionId.DOWNLOAD_PDF: Spec("Download PDF", ("Ctrl+Shift+D",), "download", "Download the PDFs of the selected papers", Scope.WINDOW, "Papers"),
    ActionId.OPEN_IN_BROWSER: Spec("Open on arXiv", ("Ctrl+Shift+O",), "link", "Open the arXiv page in the browser", Scope.WINDOW, "Papers"),
    ActionId.OPEN_ON_HF: Spec("Open on Hugging Face", (), "globe", "Open the Hugging Face paper page in the browser", Scope.WINDOW, "Papers"),
    ActionId.SHOW_IN_FOLDER: Spec("Show PDF in folder", (), "folder", "Open the folder that holds the PDF", Scope.WINDOW, "Papers"),
    ActionId.COPY_LINK: Spec("Copy link", ("Ctrl+Shift+L",), "link", "Copy the arXiv links of the selected papers", Scope.WINDOW, "Citations"),
    ActionId.REKEY: Spec("Change citation key…", (), None, "Give the paper a new citation key", Scope.WINDOW, "Citations"),
    ActionId.DELETE: Spec("Delete from library…", ("Delete",), "trash", "Delete the selected papers, their notes, annotations and PDFs (Ctrl+Z undoes)", Scope.LIST, "Papers"),
    ActionId.FOCUS_SEARCH: Spec("Search", ("/", "Ctrl+F"), "search", "Search the whole library", Scope.TRIAGE, "Search"),
    ActionId.SAVE_SEARCH: Spec("Save search…", ("Ctrl+Shift+S",), None, "Keep this search in the sidebar", Scope.WINDOW, "Search"),
    ActionId.COPY_BIBTEX: Spec("Copy BibTeX", ("Ctrl+B",), "copy", "Copy the BibTeX of the selected papers", Scope.WINDOW, "Citations"),
    ActionId.COPY_CITEKEY: Spec("Copy citation key", ("Ctrl+Shift+C",), None, "Copy \\cite{…} keys of the selected papers", Scope.WINDOW, "Citations"),
    ActionId.UNDO: Spec("Undo", ("Ctrl+Z",), "undo", "Undo your last change to the library (shared with the command line)", Scope.TRIAGE, "Edit"),
    ActionId.REDO: Spec("Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), None, "Redo the change undone last", Scope.TRIAGE, "Edit"),
    ActionId.COPY_CITATION: Spec("Copy formatted citation", ("Ctrl+Alt+C",), None, "Copy the references of the selected papers in the citation style of Settings (APA, IEEE or ACM)", Scope.WINDOW, "Citations"),
    ActionId.SYNC_NOW: Spec("Sync now", ("F5",), "sync", "Fetch the Daily Papers of the days missed", Scope.WINDOW, "Library"),
    ActionId.IMPORT: Spec("Import files…", ("Ctrl+I",), "import", "Import .bib files and PDFs", Scope.WINDOW, "Library"),
    ActionId.IMPORT_ZOTERO: Spec("Import from Zotero…", (), "import", "Bring a Zotero library in: items, collections, tags, notes, PDFs and annotations", Scope.WINDOW, "Library"),
    ActionId.EXPORT: Spec("Export…", ("Ctrl+E",), "export", "Export BibTeX, BibLaTeX, CSL-JSON or RIS to a file or the clipboard", Scope.WINDOW, "Citations"),
    ActionId.NEW_LIST: Spec("New reading list…", ("Ctrl+N",), None, "Create a reading list", Scope.WINDOW, "Library"),
    ActionId.SHOW_DOWNLOADS: Spec("Downloads", ("Ctrl+J",), "download", "Show the downloads panel", Scope.WINDOW, "View"),
    ActionId.SETTINGS: Spec("Settings…", ("Ctrl+,",), "settings", "Preferences", Scope.WINDOW, "General"),
    ActionId.DISCOVER: Spec("Discover papers", ("Ctrl+Shift+F",), "globe", "Switch the search between the library, Hugging Face Papers and arXiv", Scope.WINDOW, "Search"),
    ActionId.DISCOVER_ADD: Spec("Add to library", ("A", "Return", "Enter"), "save", "Save the selected results in the library", Scope.DISCOVER, "Search"),
    ActionId.DISCOVER_MORE: Spec("More results", ("M",), None, "Fetch the next page of results", Scope.DISCOVER, "Search"),
    ActionId.DIGEST: Spec("Digest…", ("Ctrl+Shift+G",), "inbox", "New papers, the most upvoted and alert matches", Scope.WINDOW, "View"),
    ActionId.SHORTCUTS: Spec("Keyboard shortcuts", ("F1", "?"), None, "List every shortcut", Scope.WINDOW, "General"),
    ActionId.ABOUT: Spec("About readinglist", (), None, "", Scope.WINDOW, "General"),
    ActionId.QUIT: Spec("Quit", ("Ctrl+Q",), None, "", Scope.WINDOW, "General"),
}  # fmt: skip


def typing_in_text_field() -> bool:
    """True while the keyboard focus is in a widget that takes text."""
    w = QApplication.focusWidget()
    if isinstance(w, (QLineEdit, QAbstractSpinBox)):
        return True
    if isinstance(w, (QTextEdit, QPlainTextEdit)):
        return not w.isReadOnly()
    return isinstance(w, QComboBox) and w.isEditable()


class Actions(QObject):
    """The registry: one QAction per :class:`ActionId`."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._actions: dict[ActionId, QAction] = {}
        for aid, spec in SPECS.items():
            a = QAction(spec.text, parent)
            themed(a, spec.icon)
            a.setShortcuts([QKeySequence(k) for k in spec.keys])
            tip = spec.tip or spec.text
            if spec.keys:
                tip += f" ({QKeySequence(spec.keys[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
            a.setToolTip(tip)
            a.setStatusTip(spec.tip)
            a.setShortcutContext(
                Qt.ShortcutContext.WindowShortcut
                if spec.scope is Scope.WINDOW
                else Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            a.setObjectName(aid.name.lower())
            self._actions[aid] = a

    def refresh_icons(self) -> None:
        """Re-tint every icon (after a theme change)."""
        for aid, a in self._actions.items():
            a.setIcon(icon(SPECS[aid].icon))

    def __getitem__(self, aid: ActionId) -> QAction:
        return self._actions[aid]

    def scoped(self, scope: Scope) -> list[QAction]:
        return [self._actions[a] for a, s in SPECS.items() if s.scope is scope]

    def attach_scope(self, scope: Scope, *widgets: QWidget) -> None:
        """Make the ``scope``'s shortcuts live while the focus is inside any of ``widgets``."""
        for w in widgets:
            w.addActions(self.scoped(scope))

    def connect(self, aid: ActionId, slot: object, *, guard: bool | None = None) -> None:  # type: ignore[override]  # an action id, not QObject.connect
        """Connect ``slot``; single-key actions are ignored while typing (``guard``)."""
        spec = SPECS[aid]
        if guard is None:
            guard = spec.scope is not Scope.WINDOW
        if guard:
            self._actions[aid].triggered.connect(lambda *_: None if typing_in_text_field() else slot())  # type: ignore[operator]
        else:
            self._actions[aid].triggered.connect(lambda *_: slot())  # type: ignore[operator]


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(group, action, keys) for the shortcuts window, in registry order."""
    rows = []
    for spec in SPECS.values():
        if spec.keys:
            keys = ", ".join(
                QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in spec.keys
            )
            rows.append((spec.group, spec.text.rstrip("…"), keys))
    return rows
