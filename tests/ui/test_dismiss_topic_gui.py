"""Shift+D in the window: the selected feed paper's whole topic of the day is dismissed in one
step computed in a worker, the status bar says so, and Undo brings every paper back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QTableView

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


def test_score_and_why_columns_show_in_for_you_only(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.models.papers import COL

    lib = _lib(tmp_path)
    try:
        win = make_window(lib)
        hh = win.list.horizontalHeader()
        win.sidebar.select_key("feed:latest")
        qtbot.waitUntil(lambda: win.papers.has_loaded and win.papers.query.sort != "for_you", timeout=15000)
        assert hh.isSectionHidden(COL["score"]) and hh.isSectionHidden(COL["why"])

        win.sidebar.select_key("feed:foryou")
        qtbot.waitUntil(
            lambda: bool(win.papers.scores) and not hh.isSectionHidden(COL["score"]), timeout=30000
        )
        assert not hh.isSectionHidden(COL["why"])
        assert win.papers.headerData(COL["score"], Qt.Orientation.Horizontal) == "Score"
        assert win.papers.headerData(COL["why"], Qt.Orientation.Horizontal) == "Why"
        scores = [float(win.papers.index(r, COL["score"]).data()) for r in range(win.papers.rowCount())]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        whys = [win.papers.index(r, COL["why"]).data() for r in range(win.papers.rowCount())]
        pid = win.papers.ids[0]
        assert whys[0] == "; ".join(win.papers.reasons[pid]) and whys[0].startswith("like ")
        assert win.middle.note.isHidden()  # enough kept papers: no fallback note

        win.sidebar.select_key("feed:latest")
        qtbot.waitUntil(
            lambda: hh.isSectionHidden(COL["score"]) and hh.isSectionHidden(COL["why"]), timeout=15000
        )
    finally:
        lib.close()


def test_for_you_with_few_kept_papers_says_it_is_by_upvotes(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib = Library.open(
        tmp_path / "lib", Endpoints(hf=DEAD, arxiv=DEAD, arxiv_api=DEAD + "/api", arxiv_delay=0)
    )
    try:
        tf.add_day(lib)
        win = make_window(lib)
        win.sidebar.select_key("feed:foryou")
        qtbot.waitUntil(lambda: win.middle.note.isVisible(), timeout=30000)
        assert "by upvotes" in win.middle.note.text() and "you have 0" in win.middle.note.text()
        win.sidebar.select_key("feed:latest")
        qtbot.waitUntil(lambda: win.middle.note.isHidden(), timeout=15000)
    finally:
        lib.close()


def test_an_older_saved_header_neither_hides_nor_moves_the_new_columns(
    qtbot, make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from ui import settings as keys
    from ui.models.papers import COL

    # What version 1 saved: a 7-column header, its last sections hidden and moved.
    old = QTableView()
    m = QStandardItemModel(0, 7)
    old.setModel(m)
    h: QHeaderView = old.horizontalHeader()
    h.moveSection(6, 0)
    h.setSectionHidden(5, True)
    ini = tmp_path / "old.ini"
    qs = QSettings(str(ini), QSettings.Format.IniFormat)
    qs.setValue("meta/version", 1)
    qs.setValue("papers/header", h.saveState())
    qs.sync()
    del qs
    lib = _lib(tmp_path)
    try:
        win = make_window(lib, settings_path=ini)
        assert win.ctx.settings.qs.value("papers/header") is None  # dropped by the upgrade
        hh = win.list.horizontalHeader()
        assert [hh.visualIndex(n) for n in range(hh.count())] == list(range(hh.count()))
        assert not hh.isSectionHidden(COL["status"])
        win.sidebar.select_key("feed:foryou")
        qtbot.waitUntil(lambda: not hh.isSectionHidden(COL["why"]), timeout=30000)
        # The new key keeps the For you columns' place; they are hidden again outside For you.
        hh.moveSection(hh.visualIndex(COL["score"]), 1)
        win.save_state()
        assert keys.HEADER_STATE.name == "papers/header-v2"
        win.close()
        again = make_window(lib, settings_path=ini)  # reopens on For you, the view it left
        hh = again.list.horizontalHeader()
        qtbot.waitUntil(lambda: not hh.isSectionHidden(COL["score"]), timeout=30000)
        assert hh.visualIndex(COL["score"]) == 1 and not hh.isSectionHidden(COL["status"])
        again.sidebar.select_key("feed:latest")
        qtbot.waitUntil(
            lambda: hh.isSectionHidden(COL["score"]) and hh.isSectionHidden(COL["why"]), timeout=15000
        )
    finally:
        lib.close()
