"""The main window driven as a person would: keys, clicks, typing; asserted on the database."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog

from readinglist.records import PaperFilter
from ui.dialogs import prompt
from ui.models.sidebar import KeyRole


def current(win) -> int:  # type: ignore[no-untyped-def]
    pid = win.list.current_id()
    assert pid is not None
    return pid


def test_opens_on_the_newest_day_with_the_first_paper_shown(window, demo_lib) -> None:
    newest = demo_lib.feed_days()[0]
    assert window.sidebar.currentIndex().data(KeyRole) == "feed:latest"
    expected = demo_lib.paper_ids(PaperFilter(feed_date=newest.date))
    assert window.papers.ids == expected
    assert window.list.current_id() == expected[0]
    assert window.details.title.text() == demo_lib.get(expected[0]).title.replace("&", "&amp;")
    assert "Today" in window.list_title.text() and f"{len(expected)} papers" in window.list_title.text()


def test_the_sync_on_start_begins_once_the_first_rows_are_shown(qtbot, demo_lib, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Its worker imports the HTTP stack and the ORM, holding the interpreter lock: beside the
    window's first paint that made it twice as slow at 100k papers."""
    from ui.app import apply_appearance, build_context
    from ui.main_window import MainWindow
    from ui.settings import Settings

    settings = Settings(tmp_path / "ui.ini")
    apply_appearance(settings, "light")
    win = MainWindow(build_context(demo_lib, settings))
    qtbot.addWidget(win)
    ready_when_synced: list[bool] = []
    win.sync.started.connect(lambda: ready_when_synced.append(win.is_ready))
    win.start()
    win.show_when_ready()
    qtbot.waitUntil(lambda: bool(ready_when_synced), timeout=10000)
    assert ready_when_synced == [True]  # started once, after the first rows
    win.close()


def test_a_window_closed_as_it_gets_ready_starts_no_sync(qtbot, demo_lib, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The sync on start is queued behind the ready signal (and, failing that, on a 3 s timer):
    neither may start one once the window is closed, on a library about to close."""
    from ui.app import apply_appearance, build_context
    from ui.main_window import SYNC_START_LATEST_MS, MainWindow
    from ui.settings import Settings

    settings = Settings(tmp_path / "ui.ini")
    apply_appearance(settings, "light")
    win = MainWindow(build_context(demo_lib, settings))
    qtbot.addWidget(win)
    started: list[bool] = []
    win.sync.started.connect(lambda: started.append(True))
    win.ready.connect(win.close)
    win.start()
    win.show_when_ready()
    qtbot.waitUntil(lambda: win.is_ready and not win.isVisible(), timeout=10000)
    qtbot.wait(SYNC_START_LATEST_MS + 300)
    assert started == []


def test_triage_keys_change_the_database(qtbot, window, demo_lib) -> None:
    first = current(window)
    qtbot.keyClick(window.list, Qt.Key.Key_J)
    second = current(window)
    assert second == window.papers.ids[1]
    qtbot.keyClick(window.list, Qt.Key.Key_K)
    assert current(window) == first

    was_saved = demo_lib.get(first).saved
    qtbot.keyClick(window.list, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: demo_lib.get(first).saved is not was_saved)

    # d dismisses and moves on: the dismissed paper leaves the feed, its neighbour is current.
    qtbot.keyClick(window.list, Qt.Key.Key_J)
    victim = current(window)
    after = window.papers.ids[window.papers.row_of(victim) + 1]
    qtbot.keyClick(window.list, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: demo_lib.get(victim).dismissed)
    qtbot.waitUntil(lambda: victim not in window.papers.ids)
    assert current(window) == after

    # r cycles the reading status (and keeps an unsaved paper)
    target = current(window)
    before = demo_lib.get(target)
    qtbot.keyClick(window.list, Qt.Key.Key_R)
    expected = (
        {"unread": "reading", "reading": "read", "read": "unread"}[before.status]
        if before.saved
        else "reading"
    )
    qtbot.waitUntil(lambda: demo_lib.get(target).status == expected)
    assert demo_lib.get(target).saved

    # Ctrl+Z puts it back
    qtbot.keyClick(window.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: demo_lib.get(target).status == before.status)
    assert demo_lib.get(target).saved == before.saved


def test_undo_of_a_dismiss_brings_the_paper_back_selected_and_redo_repeats_it(
    qtbot, window, demo_lib
) -> None:
    qtbot.keyClick(window.list, Qt.Key.Key_J)
    victim = current(window)
    qtbot.keyClick(window.list, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: victim not in window.papers.ids)
    assert current(window) != victim
    qtbot.keyClick(window.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not demo_lib.get(victim).dismissed)
    qtbot.waitUntil(lambda: current(window) == victim)  # undo shows what it put back
    qtbot.keyClick(
        window.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: demo_lib.get(victim).dismissed)


def test_t_focuses_the_tag_editor_and_tags_are_edited(qtbot, window, demo_lib) -> None:
    pid = current(window)
    before = demo_lib.get(pid)
    qtbot.keyClick(window.list, Qt.Key.Key_T)
    edit = window.details.tags.edit
    assert edit.hasFocus()
    qtbot.keyClicks(edit, "reading-group")  # contains s, d, r, t: none may trigger triage
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "reading-group" in demo_lib.get(pid).tags)
    after = demo_lib.get(pid)  # untouched by the typed letters
    assert (after.saved, after.dismissed, after.status) == (before.saved, before.dismissed, before.status)
    qtbot.waitUntil(lambda: "reading-group" in window.details.tags.tags)
    # Backspace in the empty field removes the last chip
    last = window.details.tags.tags[-1]
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: last not in demo_lib.get(pid).tags)


def test_typing_in_the_search_box_never_triggers_triage(qtbot, window, demo_lib) -> None:
    pid = current(window)
    before = demo_lib.get(pid)
    qtbot.keyClick(window.list, Qt.Key.Key_Slash)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "sdrt")
    assert window.search.text() == "sdrt"
    window.ctx.tasks.wait()
    after = demo_lib.get(pid)
    assert (after.saved, after.dismissed, after.status) == (before.saved, before.dismissed, before.status)


def test_status_combo_and_star_button(qtbot, window, demo_lib) -> None:
    pid = current(window)
    assert demo_lib.get(pid).status != "read"
    combo = window.details.status
    combo.setCurrentIndex(2)
    combo.activated.emit(2)
    qtbot.waitUntil(lambda: demo_lib.get(pid).status == "read")
    starred = demo_lib.get(pid).starred
    window.details.star_btn.click()
    qtbot.waitUntil(lambda: demo_lib.get(pid).starred is not starred)


def test_notes_save_as_you_type_and_survive_closing(qtbot, window, demo_lib) -> None:
    pid = current(window)
    edit = window.details.notes.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Key idea: routing **matters** <b>raw</b>")
    assert "<b>" not in window.details.notes.preview.toHtml().replace("&lt;b&gt;", "")
    assert "matters" in window.details.notes.preview.toPlainText()
    window.close()  # before the 500 ms debounce: the close flushes
    assert "Key idea: routing **matters** <b>raw</b>" in demo_lib.get(pid).note


def test_notes_debounce_writes_without_closing(qtbot, window, demo_lib) -> None:
    pid = current(window)
    window.details.notes.edit.moveCursor(window.details.notes.edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.details.notes.edit, "later")
    qtbot.waitUntil(lambda: demo_lib.get(pid).note.endswith("later"), timeout=3000)
    # Switching papers flushes too
    qtbot.keyClicks(window.details.notes.edit, " and more")
    window.list.move(1)
    qtbot.waitUntil(lambda: demo_lib.get(pid).note.endswith("later and more"))


def test_search_results_appear_off_the_gui_thread(qtbot, window, demo_lib, monkeypatch) -> None:
    threads: list[int] = []
    real = demo_lib.paper_ids

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(demo_lib, "paper_ids", spy)
    window.search.setFocus()
    qtbot.keyClicks(window.search, "tag:agents")
    assert window.search.text() == "tag:agents"  # every keystroke landed at once
    expected = real(PaperFilter(dismissed=None, query="tag:agents"))
    qtbot.waitUntil(lambda: window.papers.ids == expected, timeout=5000)
    assert expected and all("agents" in demo_lib.get(i).tags for i in expected[:5])
    assert threads and threading.get_ident() not in threads
    assert "Search: tag:agents" in window.list_title.text()
    # A query the core rejects marks the box instead of failing
    window.search.setText("year:abc")
    window.search.query_changed.emit("year:abc")
    qtbot.waitUntil(lambda: bool(window.search.property("invalid")))
    # Escape clears the search and the sidebar's view comes back
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    newest = demo_lib.feed_days()[0].date
    qtbot.waitUntil(lambda: window.papers.ids == real(PaperFilter(feed_date=newest)))


def test_save_search_adds_it_to_the_sidebar(qtbot, window, demo_lib, monkeypatch) -> None:
    def fill(dlg: QDialog) -> int:
        dlg.name.setText("Agents")
        dlg.alert.setChecked(False)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.search.setText("tag:agents")
    window.save_search()
    qtbot.waitUntil(lambda: any(s.name == "Agents" for s in demo_lib.saved_searches()))
    assert not next(s for s in demo_lib.saved_searches() if s.name == "Agents").is_alert
    qtbot.waitUntil(lambda: window.sidebar.sidebar.index_of_key("search:Agents").isValid())


def test_export_selection_to_a_file(qtbot, window, demo_lib, tmp_path: Path, monkeypatch) -> None:
    window.list.selectAll()
    ids = window.list.selected_ids()
    target = tmp_path / "out.bib"

    def fill(dlg: QDialog) -> int:
        assert dlg.sel_radio.isChecked()
        dlg.path.setText(str(target))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.export()
    qtbot.waitUntil(target.exists, timeout=5000)
    text = target.read_text(encoding="utf-8")
    keys = {demo_lib.get(i).citekey for i in ids}
    assert text.count("@") == len(ids)
    assert all(f"{{{k}," in text for k in keys)


def test_export_a_tag_to_the_clipboard(qtbot, window, demo_lib, monkeypatch) -> None:
    def fill(dlg: QDialog) -> int:
        dlg.tag_radio.setChecked(True)
        dlg.tag_combo.setCurrentText("vision")
        dlg.clip_radio.setChecked(True)
        return int(QDialog.DialogCode.Accepted)

    QGuiApplication.clipboard().clear()
    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.export()
    n = len(demo_lib.paper_ids(PaperFilter(tags=("vision",), dismissed=None)))
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text().count("@") == n, timeout=5000)


def test_copy_citekey_and_bibtex(qtbot, window, demo_lib) -> None:
    pid = current(window)
    key = demo_lib.get(pid).citekey
    qtbot.keyClick(
        window.list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert QGuiApplication.clipboard().text() == key
    qtbot.keyClick(window.list, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "@" in QGuiApplication.clipboard().text())
    assert f"{{{key}," in QGuiApplication.clipboard().text()


def test_dragging_papers_out_gives_cite_keys(window, demo_lib) -> None:
    window.list.selectAll()
    rows = [window.papers.index(r, 0) for r in range(2)]
    md = window.papers.mimeData(rows)
    keys = [demo_lib.get(window.papers.ids[r]).citekey for r in range(2)]
    assert md.text() == "\\cite{" + ",".join(keys) + "}"


def test_sidebar_views_tags_and_list_reordering(qtbot, window, demo_lib) -> None:
    assert window.sidebar.select_key("library:starred")
    starred = demo_lib.paper_ids(PaperFilter(starred=True, dismissed=None))
    qtbot.waitUntil(lambda: window.papers.ids == starred)
    names = [x.name for x in demo_lib.reading_lists()]
    model = window.sidebar.sidebar
    md = model.mimeData([model.index_of_key(f"list:{names[1]}")])
    assert model.dropMimeData(md, Qt.DropAction.MoveAction, 0, 0, model.section_index("list"))
    qtbot.waitUntil(lambda: [x.name for x in demo_lib.reading_lists()] == [names[1], names[0]])
    # Papers dropped on a tag get the tag
    pid = starred[0]
    assert "diffusion" not in demo_lib.get(pid).tags
    papers_md = window.papers.mimeData([window.papers.index(0, 0)])
    model.dropMimeData(papers_md, Qt.DropAction.CopyAction, -1, -1, model.index_of_key("tag:diffusion"))
    qtbot.waitUntil(lambda: "diffusion" in demo_lib.get(pid).tags)
    # The tag's count in the sidebar follows
    n = next(t.count for t in demo_lib.tags() if t.name == "diffusion")
    qtbot.waitUntil(lambda: model.index_of_key("tag:diffusion").data(Qt.ItemDataRole.UserRole + 2) == n)


def test_layout_and_selected_item_are_restored(qtbot, make_window, open_demo, tmp_path: Path) -> None:
    ini = tmp_path / "restore.ini"
    win = make_window(open_demo(), settings_path=ini)
    win.resize(701, 503)  # the offscreen screen is 800x800
    win.sidebar.select_key("library:unread")
    win.splitter.setSizes([260, 250, 191])
    qtbot.wait(20)
    sizes = win.splitter.sizes()
    win.close()
    again = make_window(open_demo(), settings_path=ini)
    assert again.sidebar.currentIndex().data(KeyRole) == "library:unread"
    assert (again.width(), again.height()) == (701, 503)
    assert again.splitter.sizes()[0] == sizes[0]


def test_selection_stays_put_when_papers_arrive(qtbot, window, demo_lib) -> None:
    window.resize(760, 420)  # short enough that the list scrolls
    qtbot.wait(50)
    window.list.select_row(12)
    window.list.scrollTo(window.papers.index(12, 0), window.list.ScrollHint.PositionAtCenter)
    pid = current(window)
    offset = window.papers.row_of(pid) - window.list.rowAt(0)
    from readinglist.records import FeedDay, FeedItem, PaperMeta
    from readinglist.services.sync import ingest_day

    day = demo_lib.feed_days()[0].date
    items = tuple(
        FeedItem(
            PaperMeta(title=f"A brand new paper {n}", authors=("Zoë Ng",), arxiv_id=f"2601.0{n:04d}"),
            day,
            500 + n,
        )
        for n in range(5)
    )
    _report, changes = ingest_day(demo_lib, FeedDay(day, items))
    window.ctx.bus.post(changes)
    qtbot.waitUntil(lambda: len(window.papers.ids) == len(demo_lib.paper_ids(PaperFilter(feed_date=day))))
    assert current(window) == pid  # the new papers went on top; the reader's paper stayed
    assert window.papers.row_of(pid) - window.list.rowAt(0) == offset


def test_shortcuts_window_lists_the_registry(qtbot, window) -> None:
    from ui.actions import SPECS
    from ui.dialogs.shortcuts import ShortcutsWindow

    w = ShortcutsWindow(window)
    qtbot.addWidget(w)
    texts = {action for _group, action, _keys in w.visible_rows()}
    assert {s.text.rstrip("…") for s in SPECS.values() if s.keys} <= texts


@pytest.mark.parametrize("theme", ["dark"])
def test_dark_theme_is_readable(qtbot, window, theme) -> None:
    from PySide6.QtGui import QPalette

    from ui.app import apply_appearance

    apply_appearance(window.ctx.settings, theme)
    pal = QGuiApplication.palette()
    text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
    assert text.lightnessF() - base.lightnessF() > 0.6


def test_settings_dialog_validates_and_stores(qtbot, window, demo_lib, monkeypatch) -> None:
    from ui import settings as keys

    seen: dict[str, object] = {}

    def fill(dlg: QDialog) -> int:
        ok = dlg.buttons.button(dlg.buttons.StandardButton.Ok)
        dlg.pattern.setText("{nope}{year}")
        seen["error"] = dlg.pattern_error.text()
        seen["ok_enabled_when_bad"] = ok.isEnabled()
        dlg.pattern.setText("{auth}_{year}")
        seen["ok_enabled_when_good"] = ok.isEnabled()
        dlg.backfill.setValue(3)
        dlg.interval.setValue(0)
        dlg.auto_download.setChecked(True)
        dlg.write_pdf.setChecked(True)
        dlg.theme.setCurrentIndex(dlg.theme.findData("dark"))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(prompt, "exec_dialog", fill)
    window.open_settings()
    assert "unknown placeholder" in str(seen["error"])
    assert seen["ok_enabled_when_bad"] is False and seen["ok_enabled_when_good"] is True
    qtbot.waitUntil(lambda: demo_lib.setting("citekey_pattern") == "{auth}_{year}")
    assert demo_lib.setting("sync_backfill_days") == 3
    assert demo_lib.setting("write_annotations_to_pdf") is True
    s = window.ctx.settings
    assert s.get(keys.THEME) == "dark" and s.get(keys.AUTO_DOWNLOAD) and s.get(keys.SYNC_INTERVAL_HOURS) == 0
    assert not window.sync.timer.isActive()


def test_errors_become_notifications_with_details(qtbot, window) -> None:
    from readinglist.errors import NotFoundError

    window.ctx.report_error(NotFoundError("no tag named 'x'"))
    assert window.notice.isVisible() and "no tag named" in window.notice.text.text()
    assert not window.notice.details_btn.isVisible()
    window.notice.next()
    try:
        raise ValueError("boom")
    except ValueError as exc:
        window.ctx.report_error(exc)
    assert window.notice.details_btn.isVisible()
    window.notice.details_btn.click()
    from ui.dialogs.errors import DetailsWindow

    shown = [w for w in window.findChildren(DetailsWindow) if w.isVisible()]
    assert shown and "ValueError: boom" in shown[0].text.toPlainText()


def test_unsaving_in_the_library_view_moves_to_the_next(qtbot, window, demo_lib) -> None:
    assert window.sidebar.select_key("library:library")
    saved = demo_lib.paper_ids(PaperFilter(saved=True))
    qtbot.waitUntil(lambda: window.papers.ids == saved)
    window.list.select_row(1)
    gone = current(window)
    qtbot.keyClick(window.list, Qt.Key.Key_S)  # s on a saved paper takes it out of the library
    qtbot.waitUntil(lambda: gone not in window.papers.ids)
    assert not demo_lib.get(gone).saved
    assert current(window) == saved[2]  # its successor moved into its place, and is current
    assert window.details.row is not None and window.details.row.id == saved[2]


def test_sidebar_context_actions_go_through_the_prompt(qtbot, window, demo_lib, monkeypatch) -> None:
    monkeypatch.setattr(prompt, "ask_text", lambda *a, **k: "Weekend")
    window.sidebar.new_list()
    qtbot.waitUntil(lambda: "Weekend" in [x.name for x in demo_lib.reading_lists()])
    qtbot.waitUntil(lambda: window.sidebar.currentIndex().data(KeyRole) == "list:Weekend")
    monkeypatch.setattr(prompt, "ask_text", lambda *a, **k: "rl")
    window.sidebar._rename_tag("reasoning")
    qtbot.waitUntil(lambda: "rl" in {t.name for t in demo_lib.tags()})
    monkeypatch.setattr(prompt, "pick_color", lambda *a, **k: "#123456")
    window.sidebar._tag_color("rl", None)
    qtbot.waitUntil(lambda: {t.name: t.color for t in demo_lib.tags()}["rl"] == "#123456")
    monkeypatch.setattr(prompt, "confirm", lambda *a, **k: True)
    window.sidebar._delete_list("Weekend")
    qtbot.waitUntil(lambda: "Weekend" not in [x.name for x in demo_lib.reading_lists()])


def test_auto_export_follows_changes_made_in_the_window(qtbot, window, demo_lib, tmp_path: Path) -> None:
    from readinglist.services import citations

    target = tmp_path / "vision.bib"
    citations.add_autoexport(demo_lib, target, "tag", "vision")
    window.autoexport.delay = 0.05
    pid = current(window)
    key = demo_lib.get(pid).citekey
    assert f"{{{key}," not in target.read_text(encoding="utf-8") or "vision" in demo_lib.get(pid).tags
    window.triage.add_tags(["vision"])
    qtbot.waitUntil(lambda: f"{{{key}," in target.read_text(encoding="utf-8"), timeout=5000)
