"""The reader's actions and shortcuts, declared once: the window builds its QActions from this
table, and the main window's Help lists :data:`SHORTCUTS`."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDir
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from readinglist.annotations_md import COLORS

# name, menu text, shortcuts, description (for Help)
ACTIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "save_copy",
        "&Save Annotated Copy…",
        ("Ctrl+S",),
        "Save a copy of the PDF with the annotations written in",
    ),
    (
        "export_md",
        "E&xport Annotations as Markdown…",
        ("Ctrl+E",),
        "Export the annotations to a Markdown file",
    ),
    (
        "to_note",
        "Append Annotations to &Note",
        ("Ctrl+Shift+E",),
        "Append the annotations to the paper's note",
    ),
    ("close", "&Close", ("Ctrl+W",), "Close the reader"),
    ("undo", "&Undo", ("Ctrl+Z",), "Undo the last annotation change"),
    ("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo"),
    ("copy", "&Copy", ("Ctrl+C",), "Copy the selected text"),
    ("comment", "Edit &Comment…", ("F2",), "Edit the selected annotation's comment"),
    ("delete", "&Delete Annotation", ("Delete",), "Delete the selected annotation"),
    ("find", "&Find…", ("Ctrl+F",), "Find in the PDF"),
    ("find_next", "Find &Next", ("F3",), "Next search hit"),
    ("find_prev", "Find &Previous", ("Shift+F3",), "Previous search hit"),
    ("goto", "&Go to Page…", ("Ctrl+G",), "Go to a page"),
    ("line_down", "Scroll &Down", ("J",), "Scroll down a little (j, as in Sioyek and Vim)"),
    ("line_up", "Scroll &Up", ("K",), "Scroll up a little (k)"),
    ("zoom_in", "Zoom &In", ("Ctrl+=", "Ctrl++"), "Zoom in (also Ctrl+wheel)"),
    ("zoom_out", "Zoom &Out", ("Ctrl+-",), "Zoom out"),
    ("zoom_reset", "&Actual Size", ("Ctrl+0",), "Zoom to 100%"),
    ("fit_width", "Fit &Width", ("W",), "Fit the page width to the window"),
    ("fit_page", "Fit &Page", ("F",), "Fit the whole page in the window"),
    ("sidebar", "&Pages and Outline", ("F9",), "Show or hide the pages and outline panel"),
    ("panel", "&Annotations Panel", ("Shift+F9",), "Show or hide the annotations panel"),
    ("tool_select", "&Select Text", ("V",), "Select text and annotations"),
    ("tool_highlight", "&Highlight", ("H",), "Highlight the selected text, or pick the highlight tool"),
    ("tool_underline", "&Underline", ("U",), "Underline the selected text, or pick the underline tool"),
    ("tool_strikeout", "S&trike Out", ("X",), "Strike out the selected text, or pick the strike-out tool"),
    ("tool_note", "&Note", ("N",), "Click to add a sticky note"),
    ("tool_ink", "&Ink", ("I",), "Draw freehand"),
    ("tool_rectangle", "&Area", ("R",), "Drag to mark an area"),
    *(
        (f"color_{name}", name.capitalize(), (str(i),), f"Colour: {name} (recolours the selected annotation)")
        for i, name in enumerate(COLORS, start=1)
    ),
)

EXTRA_SHORTCUTS = (
    ("Home / End", "First / last page"),
    ("Space / Shift+Space, Page Up / Page Down", "Scroll by a screen"),
    ("Drag", "Select text, across pages too (at the window's edge the view scrolls)"),
    ("Double-click / Triple-click", "Select a word / a line (with a markup tool: mark it up)"),
    ("Shift+Click", "Extend the selection to the pointer"),
    ("Drag a note, area or ink (Select tool)", "Move it on its page"),
    ("Drag a corner of the selected area", "Resize the area"),
    ("Escape", "Cancel a drag (the annotation goes back), else clear the selection"),
    ("Enter (in the annotations panel)", "Edit the comment"),
)

SHORTCUTS: tuple[tuple[str, str], ...] = (
    tuple((", ".join(keys), desc) for _, _, keys, desc in ACTIONS if keys) + EXTRA_SHORTCUTS
)


# Toolbar icons (resources/icons, tinted for the theme like the main window's).
ICONS = {
    "tool_select": "cursor", "tool_highlight": "highlight", "tool_underline": "underline",
    "tool_strikeout": "strikeout", "tool_note": "note", "tool_ink": "ink", "tool_rectangle": "area",
    "zoom_in": "zoom-in", "zoom_out": "zoom-out", "fit_width": "fit-width", "fit_page": "fit-page",
    "find_prev": "up", "find_next": "down", "save_copy": "export", "undo": "undo",
}  # fmt: skip


def build_actions(parent: QWidget, slots: dict[str, Callable[..., object]]) -> dict[str, QAction]:
    """QActions for :data:`ACTIONS`, added to ``parent`` so their shortcuts work in its window."""
    from ui.views.icons import register_search_paths, themed

    if not QDir.searchPaths("icons"):  # a reader opened on its own (tests, tools)
        register_search_paths()
    out: dict[str, QAction] = {}
    for name, text, keys, desc in ACTIONS:
        action = QAction(parent.tr(text), parent)
        themed(action, ICONS.get(name))
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setStatusTip(parent.tr(desc))
        action.setToolTip(f"{parent.tr(desc)} ({keys[0]})" if keys else parent.tr(desc))
        if name in slots:
            action.triggered.connect(slots[name])
        parent.addAction(action)
        out[name] = action
    return out
