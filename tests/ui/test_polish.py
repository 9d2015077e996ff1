"""Polish: one "Downloads" in the View menu; the shortcuts window grouped, filterable, keys as
typed; Settings → Citations shows the key pattern applied to a real paper, live; the date column
says which date it shows."""

from __future__ import annotations

from PySide6.QtCore import Qt

from readinglist.bibtex.citekeys import make_citekey
from readinglist.records import PaperFilter
from ui.models.papers import COL


def test_downloads_is_in_the_view_menu_once(window) -> None:  # type: ignore[no-untyped-def]
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    texts = [a.text().replace("&", "") for a in view.actions() if not a.isSeparator()]
    assert sum("Downloads" in t for t in texts) == 1, texts


def test_shortcuts_are_grouped_filterable_and_shown_as_typed(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs.shortcuts import ShortcutsWindow, as_typed

    w = ShortcutsWindow(window)
    qtbot.addWidget(w)
    rows = w.visible_rows()
    groups = list(dict.fromkeys(g for g, _, _ in rows))
    assert "Triage" in groups and "PDF reader" in groups
    assert [g for g, _, _ in rows] == sorted((g for g, _, _ in rows), key=groups.index)  # grouped
    keys = {a: k for _, a, k in rows}
    assert keys["Next paper"] == "j" and keys["Star"] == "*" and keys["Add to library"] == "a, Enter"
    w.filter.setText("bibtex")
    assert [(a, k) for _, a, k in w.visible_rows()] == [("Copy BibTeX", "Ctrl+B")]
    w.filter.setText("ctrl+shift+f")
    assert {a for _, a, _ in w.visible_rows()} == {"Discover papers"}
    assert as_typed("Del") == "Delete"


def test_settings_shows_a_live_example_key(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    from ui.dialogs.settings import SettingsDialog

    dlg = SettingsDialog(window.ctx, [], [], window)
    qtbot.addWidget(dlg)
    paper = demo_lib.list_papers(PaperFilter(saved=True), limit=1)[0]
    dlg.pattern.setText("{auth}{year}")
    assert make_citekey(paper, pattern="{auth}{year}") in dlg.example.text()
    dlg.pattern.setText("{auth}_{title}")
    assert make_citekey(paper, pattern="{auth}_{title}") in dlg.example.text()
    dlg.pattern.setText("{nonsense}")
    assert dlg.example.text() == "" and not dlg.pattern_error.isHidden()


def test_the_date_column_says_which_date(window) -> None:  # type: ignore[no-untyped-def]
    m = window.papers
    assert m.headerData(COL["date"], Qt.Orientation.Horizontal) == "Published"
    tip = m.headerData(COL["date"], Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "published on arXiv" in tip and "listed" in tip
