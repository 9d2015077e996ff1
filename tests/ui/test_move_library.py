"""Settings → Move library…: copied in the background, verified, then the app switches to it."""

from __future__ import annotations

from pathlib import Path

from readinglist.records import PaperFilter
from readinglist.services.library import Library


def test_move_library_copies_in_the_background_then_switches(
    qtbot, window, demo_lib: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "moved library"
    n = demo_lib.count(PaperFilter(dismissed=None))
    with qtbot.waitSignal(window.switch_library, timeout=20000) as sig:
        window.move_library(str(dest))
    assert Path(sig.args[0]) == dest.resolve()
    moved = Library.open(dest, demo_lib.endpoints)
    try:
        assert moved.count(PaperFilter(dismissed=None)) == n
        assert len(list((dest / "pdfs").iterdir())) == len(list(demo_lib.pdf_dir.iterdir()))
    finally:
        moved.close()
    assert demo_lib.db_path.exists()  # the old folder is left alone


def test_move_library_refuses_a_busy_folder_with_a_message(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    errors: list[BaseException] = []
    window.ctx.report_error = errors.append
    window.move_library(str(busy))
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert "not empty" in str(errors[0]) and (busy / "keep.txt").read_text() == "mine"


def test_the_app_takes_the_daily_backup_in_the_background(qtbot, window, demo_lib: Library) -> None:  # type: ignore[no-untyped-def]
    window._daily_backup()
    qtbot.waitUntil(lambda: any(demo_lib.backups_dir.glob("library-*-daily.sqlite3")), timeout=10000)
    window._daily_backup()  # once a day only
    window.ctx.tasks.wait()
    assert len(list(demo_lib.backups_dir.glob("library-*-daily.sqlite3"))) == 1
