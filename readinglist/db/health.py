"""Is the library database whole? Quick checks at open, full checks, and putting a backup back.

Every function here opens its own plain ``sqlite3`` connection, never the library's engine: a
damaged file must be examined without SQLAlchemy's pool, migrations or pragmas touching it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
from pathlib import Path

from readinglist.errors import DamagedLibrary, StorageError
from readinglist.fileutil import disk_full_message, free_megabytes, is_disk_full
from readinglist.recordtype import record

__all__ = ["DamagedLibrary", "disk_full_message", "free_megabytes", "is_disk_full"]

# Files up to this size get PRAGMA quick_check on every open (about 0.4 s for 32 MB on a busy
# 2-core machine, 1.3 s for 107 MB); larger ones once a day (the day is noted in logs/), and
# ``check`` always runs the full integrity_check.
QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024
_STAMP = re.compile(r"library-(\d{8})-(\d{6})")
CLOUD_FOLDERS = ("dropbox", "onedrive", "nextcloud", "owncloud", "icloud", "google drive", "googledrive")


_DAMAGE_WORDS = ("malformed", "not a database", "corrupt", "disk image", "integrity")


def _connect_ro(path: Path) -> sqlite3.Connection:
    from readinglist.db.engine import readonly_flags

    return sqlite3.connect(f"file:{path}?{readonly_flags(path)}", uri=True, timeout=10)


def problems_of(path: Path, *, full: bool = False, limit: int = 20) -> list[str]:
    """What is wrong with a database file (empty when it is whole)."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        con = _connect_ro(path)
        try:
            rows = [r[0] for r in con.execute(f"PRAGMA {pragma}({limit})").fetchall()]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if not any(w in str(exc).lower() for w in _DAMAGE_WORDS):
            return []  # locked, busy, no permission: nothing known to be wrong with the file itself
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def check_at_open(path: Path) -> None:
    """Raise :class:`DamagedLibrary` (with what to do) when the library file is damaged."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb") as f:
        head = f.read(16)
    if head != b"SQLite format 3\x00":
        raise DamagedLibrary(damaged_message(path, ["the file does not start like a SQLite database"]))
    stamp = path.parent / "logs" / "quick_check.day"
    unchanged = path.parent / "logs" / "quick_check.ok"
    today = dt.date.today().isoformat()
    if path.stat().st_size > QUICK_CHECK_MAX_BYTES:
        try:
            if stamp.read_text(encoding="utf-8").strip() == today:
                return
        except OSError:
            pass
    else:
        try:
            if unchanged.read_text(encoding="utf-8") == _file_stamp(path, today):
                return  # checked today, and not written since by anything
        except OSError:
            pass
    before = _file_stamp(path, today)
    found = problems_of(path)
    if found:
        raise DamagedLibrary(damaged_message(path, found))
    with contextlib.suppress(OSError):
        if path.stat().st_size > QUICK_CHECK_MAX_BYTES:
            stamp.write_text(today, encoding="utf-8")
        elif _file_stamp(path, today) == before:  # nothing wrote while it was checked
            unchanged.parent.mkdir(parents=True, exist_ok=True)
            unchanged.write_text(before, encoding="utf-8")


def _file_stamp(path: Path, day: str) -> str:
    """What any write to the database changes: size, modification time and inode of the file
    and of its write-ahead log (absent or empty: "-"); with the day, so a check runs at least
    daily."""
    parts = [day]
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            st = p.stat()
        except OSError:
            st = None
        # An empty log holds nothing (a read-only connection, the check's own, may leave one).
        parts.append(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}" if st and st.st_size else "-")
    return " ".join(parts)


def damaged_message(path: Path, found: list[str]) -> str:
    newest = good_backups(path.parent / "backups")
    if newest:
        when = backup_time(newest[0])
        hint = (
            f"run `readinglist restore` to put back the newest good backup (from {when:%Y-%m-%d %H:%M}); "
            "the damaged file is kept aside"
        )
    else:
        hint = "no good backup was found in backups/; copy the file somewhere safe before trying anything"
    return f"the library database {path} is damaged ({found[0]}); {hint}"


def backup_time(path: Path) -> dt.datetime:
    m = _STAMP.search(path.name)
    if m:
        return dt.datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S")
    return dt.datetime.fromtimestamp(path.stat().st_mtime)


def all_backups(backups_dir: Path) -> list[Path]:
    """Backups, newest first."""
    if not backups_dir.is_dir():
        return []
    return sorted(backups_dir.glob("library-*.sqlite3"), key=lambda p: p.name, reverse=True)


def good_backups(backups_dir: Path) -> list[Path]:
    """Backups that pass integrity_check, newest first."""
    return [p for p in all_backups(backups_dir) if not problems_of(p, full=True, limit=1)]


@record
class Restored:
    backup: Path
    taken: dt.datetime
    kept_aside: Path | None


def restore(db_path: Path, backup: Path | None = None) -> Restored:
    """Put a verified backup in place of the library file; the current file is moved aside
    (``library.sqlite3.damaged-YYYYmmdd-HHMMSS``, with its -wal and -shm), never deleted."""
    backups_dir = db_path.parent / "backups"
    if backup is None:
        good = good_backups(backups_dir)
        if not good:
            raise StorageError(f"no backup in {backups_dir} passes its integrity check; nothing was changed")
        backup = good[0]
    else:
        backup = backup if backup.is_absolute() or backup.exists() else backups_dir / backup
        if not backup.is_file():
            raise StorageError(f"no backup {backup}; `readinglist restore --list` shows them")
        found = problems_of(backup, full=True, limit=1)
        if found:
            raise StorageError(f"the backup {backup.name} is damaged too ({found[0]}); nothing was changed")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside: Path | None = None
    tmp = db_path.with_name(db_path.name + ".restoring")
    try:
        _copy(backup, tmp)
        if db_path.exists():
            aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(db_path) + suffix)
                if part.exists():
                    os.replace(part, Path(str(aside) + suffix))
        os.replace(tmp, db_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"could not restore {backup.name}: {exc.strerror or exc}") from exc
    return Restored(backup, backup_time(backup), aside)


def _copy(src: Path, dst: Path) -> None:
    source = _connect_ro(src)
    try:
        target = sqlite3.connect(str(dst))
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()


def cloud_folder(root: Path) -> str | None:
    """The cloud-sync service a library folder sits in (by folder name), if any."""
    for part in root.parts:
        low = part.lower()
        for name in CLOUD_FOLDERS:
            if low.startswith(name):
                return part
    return None
