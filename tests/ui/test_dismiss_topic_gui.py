"""Shift+D in the window: the selected feed paper's whole topic of the day is dismissed in one
step computed in a worker, the status bar says so, and Undo brings every paper back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from readinglist.config import Endpoints
from readinglist.services.library import Library
from tests import recommend_fixture as fx
from tests import topic_fixture as tf
from ui.actions import SPECS, ActionId, shortcut_rows

DEAD = "http://127.0.0.1:9"


def _lib(tmp_path: Path) -> Library:
    lib = Library.open(
        tmp_path / "lib", Endpoints(hf=DEAD, arxiv=DEAD, arxiv_api=DEAD + "/api", arxiv_delay=0)
    )
    fx.build(lib, later=False)
    tf.add_day(lib)
    return lib


def test_shift_d_dismisses_the_topic_and_undo_brings_it_back(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib = _lib(tmp_path)
    try:
        win = make_window(lib)
        win.sidebar.select_key("feed:latest")
        protein = {lib.resolve(a) for a in tf.PROTEIN_IDS}
        speech = {lib.resolve(a) for a in tf.SPEECH_IDS}
        qtbot.waitUntil(lambda: set(win.papers.ids) == protein | speech, timeout=15000)
        action = win.actions_[ActionId.DISMISS_TOPIC]
        assert ("Triage", "Dismiss topic", "Shift+D") in shortcut_rows()
        paper_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Paper")
        assert action in paper_menu.actions()
        target = next(iter(sorted(speech)))
        win.list.select_id(target)
        qtbot.waitUntil(action.isEnabled, timeout=5000)
        assert action in win.paper_menu.build().actions()

        qtbot.keyClick(win.list, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: set(win.papers.ids) == protein, timeout=30000)
        assert all(lib.get(i).dismissed for i in speech)
        assert not any(lib.get(i).dismissed for i in protein)
        msg = win.statusBar().currentMessage()
        assert msg.startswith("Dismissed topic “") and msg.endswith(": 4 papers (Ctrl+Z to undo)")

        win.actions_[ActionId.UNDO].trigger()  # Edit > Undo
        qtbot.waitUntil(lambda: set(win.papers.ids) == protein | speech, timeout=15000)
        assert not any(lib.get(i).dismissed for i in speech)
    finally:
        lib.close()


def test_the_action_is_off_for_a_paper_never_in_the_feed(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from readinglist.records import PaperMeta
    from readinglist.services import papers

    lib = _lib(tmp_path)
    try:
        ids, _ = papers.upsert(lib, [PaperMeta(title="A paper from a .bib file")], save=True)
        win = make_window(lib)
        win.sidebar.select_key("library:library")
        qtbot.waitUntil(lambda: ids[0] in win.papers.ids, timeout=15000)
        win.list.select_id(ids[0])
        qtbot.waitUntil(lambda: win.papers.cached(ids[0]) is not None, timeout=5000)
        win.topic.update()
        assert not win.actions_[ActionId.DISMISS_TOPIC].isEnabled()
        assert SPECS[ActionId.DISMISS_TOPIC].keys == ("Shift+D",)
    finally:
        lib.close()
