"""The paper list's context menu: what Zotero and JabRef users expect, on the whole selection."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu

from readinglist.errors import NotFoundError
from ui.actions import ActionId
from ui.dialogs import prompt

EXPECTED = (
    "Open PDF", "Download PDF", "Show PDF in folder", "Dismiss", "Reading status", "Add to reading list",
    "Tags", "Copy BibTeX", "Copy citation key", "Copy link", "Change citation key…", "Open on arXiv",
    "Open on Hugging Face", "Delete from library…",
)  # fmt: skip


def _texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def _find(menu: QMenu, text: str) -> QAction:
    for a in menu.actions():
        if a.text() == text:
            return a
        if a.menu() is not None:
            found = [b for b in a.menu().actions() if b.text() == text]
            if found:
                return found[0]
    raise AssertionError(f"{text!r} not in {_texts(menu)}")


def _select(window, rows: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
    window.list.clearSelection()
    sm = window.list.selectionModel()
    for r in rows:
        sm.select(window.papers.index(r, 0), sm.SelectionFlag.Select | sm.SelectionFlag.Rows)
    sm.setCurrentIndex(window.papers.index(rows[0], 0), sm.SelectionFlag.NoUpdate)
    return window.list.selected_ids()


def test_the_menu_offers_everything_and_acts_on_the_whole_selection(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    ids = _select(window, [0, 1, 2])
    assert len(ids) == 3
    menu = window.paper_menu.build()
    texts = _texts(menu)
    for want in EXPECTED:
        assert any(t == want for t in texts), (want, texts)
    assert any(t in ("Save to library", "Remove from library") for t in texts)
    assert any(t in ("Star", "Unstar") for t in texts)

    want = "Star" in texts  # Star when any is unstarred, else Unstar
    _find(menu, "Star" if want else "Unstar").trigger()
    qtbot.waitUntil(lambda: all(demo_lib.get(i).starred is want for i in ids))

    _find(window.paper_menu.build(), "Read").trigger()
    qtbot.waitUntil(lambda: all(demo_lib.get(i).status == "read" for i in ids))
    assert all(demo_lib.get(i).saved for i in ids)  # reading a paper keeps it

    name = demo_lib.reading_lists()[0].name
    _find(window.paper_menu.build(), name).trigger()
    qtbot.waitUntil(lambda: all(name in demo_lib.get(i).lists for i in ids))

    tag = demo_lib.tags()[0].name
    _find(window.paper_menu.build(), tag).trigger()
    qtbot.waitUntil(lambda: all(tag in demo_lib.get(i).tags for i in ids))


def test_copy_link_copies_every_selected_paper(qtbot, window, demo_lib) -> None:  # type: ignore[no-untyped-def]
    ids = _select(window, [0, 3])
    _find(window.paper_menu.build(), "Copy link").trigger()
    text = QGuiApplication.clipboard().text()
    for pid in ids:
        assert f"/abs/{demo_lib.get(pid).arxiv_id}" in text


def test_right_click_outside_the_selection_selects_that_row(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    _select(window, [0, 1])
    rect = window.list.visualRect(window.papers.index(4, 0))
    window.paper_menu.popup(rect.center())
    assert window.list.selected_ids() == [window.papers.ids[4]]
    window.paper_menu.menu.close()


def test_delete_asks_says_it_can_be_undone_and_ctrl_z_brings_the_papers_back(
    qtbot, window, demo_lib, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def confirm(_parent, _title, text, _ok="OK"):  # type: ignore[no-untyped-def]
        asked.append(text)
        return True

    monkeypatch.setattr(prompt, "confirm", confirm)
    ids = _select(window, [1, 2])
    titles = {i: demo_lib.get(i).title for i in ids}
    _find(window.paper_menu.build(), "Delete from library…").trigger()
    assert asked and "Ctrl+Z" in asked[0]
    qtbot.waitUntil(lambda: all(i not in window.papers.ids for i in ids))
    for i in ids:
        try:
            demo_lib.get(i)
        except NotFoundError:
            continue
        raise AssertionError(f"paper {i} is still in the library")
    qtbot.keyClick(window.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: all(i in window.papers.ids for i in ids))
    assert {i: demo_lib.get(i).title for i in ids} == titles


def test_the_delete_key_asks_first_and_cancel_keeps_the_papers(qtbot, window, demo_lib, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    monkeypatch.setattr(prompt, "confirm", lambda *a, **k: asked.append(a[2]) or False)
    ids = _select(window, [0])
    qtbot.keyClick(window.list, Qt.Key.Key_Delete)
    assert asked, "Delete must ask"
    window.ctx.tasks.wait()
    assert demo_lib.get(ids[0]).id == ids[0]
    assert ids[0] in window.papers.ids
    assert window.actions_[ActionId.DELETE].isEnabled()
