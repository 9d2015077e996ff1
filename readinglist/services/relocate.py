"""Moving a library folder: copy everything, verify the copy, then the caller opens the new one.

The old folder is left in place (nothing of the user's is deleted without being asked); the
caller tells the user it can be removed once the new location works.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from readinglist.db.engine import copy_database
from readinglist.errors import Cancelled, StorageError
from readinglist.records import Progress
from readinglist.services.library import DB_NAME, Library


def move_library(
    lib: Library,
    dest: Path,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Copy ``lib``'s folder to ``dest`` (which must be new or empty) and verify the copy.

    The database is copied with SQLite's backup API (consistent even while open); PDFs and
    backups are copied file by file. On failure or cancel the half-made copy is removed.
    """
    dest = Path(dest).expanduser().resolve()
    if dest == lib.root or lib.root in dest.parents:
        raise StorageError("choose a folder outside the current library")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise StorageError(f"{dest} is not empty; choose a new or empty folder")
    files = [p for p in lib.root.rglob("*") if p.is_file() and not p.name.startswith(DB_NAME)]
    total = len(files) + 1
    created = not dest.exists()
    try:
        dest.mkdir(parents=True, exist_ok=True)
        copy_database(lib.db_path, dest / DB_NAME)
        for n, src in enumerate(files, start=1):
            if cancelled is not None and cancelled():
                raise Cancelled("moving the library was cancelled; the library stays where it was")
            if progress:
                progress(Progress(n, total, f"Copying {src.name}"))
            target = dest / src.relative_to(lib.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
            if target.stat().st_size != src.stat().st_size:
                raise StorageError(f"the copy of {src.name} is incomplete (is the disk full?)")
        for sub in ("pdfs", "backups", "logs"):
            (dest / sub).mkdir(exist_ok=True)
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        raise
    if progress:
        progress(Progress(total, total, "Library copied"))
    return dest
