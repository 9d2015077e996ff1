"""A damaged library put right: what ``check`` reports when the file itself is broken, and
``restore``: the newest verified backup back in place, the damaged file kept aside."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from readinglist.config import default_library_dir
from readinglist.db import health
from readinglist.services.library import DB_NAME


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken: dt.datetime
    ok: bool
    size: int


def library_file(root: Path | None) -> Path:
    return (Path(root).expanduser() if root else default_library_dir()).resolve() / DB_NAME


def list_backups(root: Path | None) -> list[BackupInfo]:
    """Every backup, newest first, each verified with integrity_check."""
    db = library_file(root)
    return [
        BackupInfo(p, health.backup_time(p), not health.problems_of(p, full=True, limit=1), p.stat().st_size)
        for p in health.all_backups(db.parent / "backups")
    ]


def damage_of(root: Path | None) -> list[str]:
    """The full integrity_check of the library file (empty when it is whole or absent)."""
    db = library_file(root)
    if not db.is_file() or db.stat().st_size == 0:
        return []
    return health.problems_of(db, full=True)


def restore_backup(root: Path | None, backup: Path | None = None) -> health.Restored:
    return health.restore(library_file(root), backup)
