"""Starting the app on a damaged library offers the newest good backup, and opens it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from readinglist.records import PaperFilter, PaperMeta
from readinglist.services import papers
from readinglist.services.library import Library
from ui.app import open_or_restore


def test_a_damaged_library_is_restored_at_start(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lib"
    lib = Library.open(root)
    papers.upsert(lib, [PaperMeta(title=f"Paper {n} about durable storage") for n in range(300)], save=True)
    lib.backup("daily")
    lib.close()
    db = root / "library.sqlite3"
    with open(db, "r+b") as f:
        f.seek(db.stat().st_size // 2 - 4096)
        f.write(os.urandom(8192))
    asked: list[str] = []
    told: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes
    )
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    restored = open_or_restore(root)
    try:
        assert "damaged" in asked[0] and "backup" in asked[0]
        assert "is back" in told[0] and "damaged file is kept" in told[0]
        assert restored.count(PaperFilter(saved=True)) == 300
    finally:
        restored.close()
