"""The middle pane: the list's header (what is shown and how many), the search's error under
the search box, and an empty state when there is nothing to list.

:func:`describe` words the header and the empty state from a :class:`View` (plain values), so
each count shown comes from the list's own rows and every empty view says what to do next.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from ui.views.empty import EmptyState

SEARCHED = "titles, abstracts, authors, tags, notes, annotations and PDF text"


@dataclass(frozen=True)
class View:
    """What the list shows: the sidebar item (or a search) and what is known about the library."""

    key: str  # sidebar key ("feed:latest", "library:unread", "list:X", "tag:Y", ...) or "search"
    label: str
    count: int
    query: str = ""
    truncated: bool = False
    library_empty: bool = False
    syncing: bool = False
    offline: bool = False
    note: str = ""  # a line above the list, e.g. why For you is ordered by upvotes


@dataclass(frozen=True)
class Empty:
    icon: str
    title: str
    text: str
    actions: tuple[str, ...] = ()  # names of commands (see ListPane.commands)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def header(v: View) -> str:
    count = f"the best {v.count:,} papers" if v.truncated else plural(v.count, "paper")
    if v.key == "search":
        return f"Search: {v.query}  ·  {count}"
    label = v.label + ("  ·  syncing…" if v.syncing else "")
    return f"{label}  ·  {count}" if v.label else ""


def empty_for(v: View) -> Empty | None:
    """The empty state of ``v``, or None when there are papers to show."""
    if v.count:
        return None
    if v.library_empty:
        if v.syncing:
            return Empty(
                "sync",
                "Fetching the Daily Papers…",
                "The newest day appears here as soon as it arrives. Meanwhile you can import a .bib "
                "file or PDFs, or add a paper by its arXiv id.",
                ("import", "add"),
            )
        why = (
            "You seem to be offline, so the feed could not be fetched. "
            if v.offline
            else "Nothing here yet. "
        )
        return Empty(
            "library",
            "Your library is empty",
            why + "Start with the Hugging Face Daily Papers, bring in what you have as a .bib file "
            "or PDFs (dropping them on the window works too), or add a paper by its arXiv id.",
            ("sync", "import", "add"),
        )
    kind, _, name = v.key.partition(":")
    if v.key == "search":
        return Empty(
            "search",
            f"No papers match “{v.query}”",
            f"Searched {SEARCHED}. To widen it: use fewer words, a prefix like <b>transf*</b>, "
            "drop <b>tag:</b>, <b>year:</b> or <b>is:</b> filters, or look beyond the library.",
            ("search_hf", "search_arxiv", "clear_search"),
        )
    if kind == "list":
        return Empty(
            "list",
            f"“{name}” is empty",
            "Drag papers onto the list in the sidebar, or right-click papers and choose "
            "<b>Add to reading list</b>.",
        )
    if kind == "tag":
        return Empty(
            "tag",
            f"No papers tagged “{name}”",
            "Press <b>T</b> on a paper to tag it, or drag papers onto the tag in the sidebar.",
        )
    if v.key in ("feed:week", "feed:month"):
        return Empty(
            "feed",
            f"No feed papers {v.label.lower()}",
            "Sync the days of this week or month to see their papers, most upvoted first.",
            ("sync",),
        )
    if kind == "feed":
        return Empty(
            "feed",
            f"Nothing left from {v.label}",
            "Every paper of this day was dismissed. The Dismissed view in the sidebar has them.",
            ("sync",),
        )
    if v.key == "library:dismissed":
        return Empty("dismiss", "Nothing dismissed", "Papers you dismiss with <b>D</b> wait here.")
    if v.key == "library:starred":
        return Empty("star", "No starred papers", "Press <b>*</b> on a paper to star it.")
    if kind == "library":
        return Empty(
            "library",
            f"Nothing in {v.label}",
            "Press <b>S</b> on a paper in the Daily feed to keep it; <b>R</b> sets how far you read it.",
            ("show_feed",),
        )
    if kind == "search":
        return Empty("search", f"“{v.label}” has no matches yet", "New matches show here after a sync.")
    return Empty("info", "Nothing to show", "")


BUTTONS = {
    "sync": "Sync now",
    "import": "Import .bib or PDFs…",
    "add": "Add by arXiv id…",
    "search_hf": "Search Hugging Face",
    "search_arxiv": "Search arXiv",
    "clear_search": "Clear the search",
    "show_feed": "Go to the Daily feed",
}


class ListPane(QWidget):
    """Header, search error and the list or its empty state, stacked."""

    def __init__(
        self, table: QWidget, commands: dict[str, Callable[[], object]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.commands = commands
        self.title = QLabel()
        self.title.setObjectName("listTitle")
        self.search_error = QLabel()
        self.search_error.setObjectName("searchError")
        self.search_error.setWordWrap(True)
        self.search_error.hide()
        self.note = QLabel()
        self.note.setObjectName("listNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(table)
        self.stack.addWidget(self.empty)
        self.table = table
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.search_error)
        lay.addWidget(self.title)
        lay.addWidget(self.note)
        lay.addWidget(self.stack, 1)
        self.view: View | None = None

    def show_view(self, v: View) -> None:
        self.view = v
        self.title.setText(header(v))
        self.note.setText(v.note)
        self.note.setVisible(bool(v.note))
        e = empty_for(v)
        if e is None:
            self.stack.setCurrentWidget(self.table)
            return
        actions = [(BUTTONS[a], self.commands[a]) for a in e.actions if a in self.commands]
        self.empty.set(e.icon, e.title, e.text, actions)
        self.stack.setCurrentWidget(self.empty)

    def set_search_error(self, query: str, message: str | None) -> None:
        """Say under the search box why a query cannot run (None: it can)."""
        if message:
            dark = self.palette().color(self.palette().ColorRole.Window).lightness() < 128
            fg, bg = ("#fca5a5", "rgba(220, 38, 38, 0.18)") if dark else ("#991b1b", "#fef2f2")
            self.search_error.setStyleSheet(f"QLabel {{ color: {fg}; background: {bg}; padding: 6px 12px; }}")
            self.search_error.setText(
                f"<b>Cannot search for “{html.escape(query)}”:</b> {html.escape(message)}"
            )
            self.search_error.show()
            self.title.setText(f"Search: {query}  ·  not run")
        else:
            self.search_error.hide()
