"""What a killed process leaves behind, cleared at the next open, and who else has the library open.

Each open library holds a shared ``flock`` on ``library.lock``. An open that can take the lock
exclusively knows no other readinglist is working in the folder, so files half-made by a killed
process are debris, not someone's work in progress:

* ``pdfs/*.part`` and their ``.part.json`` sidecars (a copy or download cut short; the original
  or the URL still has the bytes) are removed;
* complete PDFs in ``pdfs/`` that no attachment refers to (killed between the rename and the
  commit) are moved to ``recovered/``, never deleted: they might be the only copy;
* hidden ``.NAME.XXXX.tmp`` files beside auto-export targets and in ``backups/`` are removed.

Without ``fcntl`` (Windows) nothing is cleared at open; ``check`` still lists it all.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

from readinglist.db.raw import text
from readinglist.recordtype import field, record

if TYPE_CHECKING:
    from readinglist.services.library import Library

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "library.lock"
RECOVERED = "recovered"


@record(frozen=False)
class Debris:
    parts: list[Path] = field(default_factory=list)  # ours, safe to remove
    temps: list[Path] = field(default_factory=list)  # ours, safe to remove
    orphans: list[Path] = field(default_factory=list)  # complete PDFs nothing refers to

    @property
    def empty(self) -> bool:
        return not (self.parts or self.temps or self.orphans)


def find_debris(lib: Library) -> Debris:
    found = Debris()
    with lib.sql_read() as s:  # at every open: no SQLAlchemy on this path
        attached = [p for (p,) in s.execute(text("SELECT path FROM attachments"))]
        targets = [Path(p) for (p,) in s.execute(text("SELECT path FROM auto_exports"))]
        # A database an interrupted ``migrate`` is filling (services/migrate.py, COPYING) lacks
        # attachments it will get: its "orphans" are the source's PDFs. Leave them be.
        copying = s.execute(text("SELECT 1 FROM settings WHERE key = 'migrate/copying'")).first()
    # Attachments are kept as ``pdfs/NAME`` (``lib.pdf_dir`` is ``root/pdfs``): a file under that name is known without resolving
    # a path (thousands of realpath calls at every start). Only a file not listed so is looked
    # for among the resolved paths (an absolute path, a link, a folder spelled another way).
    listed = {os.path.normcase(os.path.normpath(p)) for p in attached}
    resolved: set[str] | None = None
    pdf_folder = lib.pdf_dir.name
    with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(lib.pdf_dir) as entries:
        for entry in entries:
            name = entry.name
            if name.endswith((".part", ".part.json")):
                if entry.is_file():
                    found.parts.append(Path(entry.path))
            elif copying is None and name[-4:].lower() == ".pdf" and entry.is_file():
                if os.path.normcase(os.path.join(pdf_folder, name)) in listed:
                    continue
                if resolved is None:
                    resolved = {os.path.normcase(str((lib.root / a).resolve())) for a in attached}
                if os.path.normcase(os.path.realpath(entry.path)) not in resolved:
                    found.orphans.append(Path(entry.path))
    found.parts.sort()
    found.orphans.sort()
    for target in targets:
        folder = target.expanduser().parent
        if folder.is_dir():
            found.temps.extend(sorted(folder.glob(f".{target.name}.*.tmp")))
    if lib.backups_dir.is_dir():
        found.temps.extend(sorted(lib.backups_dir.glob("library-*.tmp")))
    restoring = lib.db_path.with_name(lib.db_path.name + ".restoring")
    if restoring.exists():
        found.temps.append(restoring)
    return found


def clear(lib: Library, found: Debris) -> list[str]:
    """Remove our own half-made files, move orphan PDFs to ``recovered/``; say what was done."""
    said: list[str] = []
    for p in [*found.parts, *found.temps]:
        with contextlib.suppress(OSError):
            p.unlink()
    if found.parts or found.temps:
        said.append(f"removed {len(found.parts) + len(found.temps)} half-written files a stopped run left")
    if found.orphans:
        dest_dir = lib.root / RECOVERED
        import shutil

        dest_dir.mkdir(exist_ok=True)
        for p in found.orphans:
            dest = dest_dir / p.name
            n = 2
            while dest.exists():
                dest = dest_dir / f"{p.stem}-{n}{p.suffix}"
                n += 1
            shutil.move(str(p), dest)
        said.append(
            f"moved {len(found.orphans)} PDFs no paper refers to into {dest_dir} (import them, or delete them)"
        )
    return said


class OpenLock:
    """The shared lock every open library holds; exclusive for a moment when it is the only one."""

    def __init__(self, root: Path) -> None:
        self.file: IO[bytes] | None = None
        if fcntl is None:
            return
        try:
            self.file = open(root / LOCK_NAME, "ab")  # noqa: SIM115 - held for the library's life
        except OSError:
            self.file = None

    def alone(self) -> bool:
        """Take the lock exclusively if no one else holds it (then :meth:`share` it)."""
        if self.file is None or fcntl is None:
            return False
        try:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def share(self) -> None:
        if self.file is not None and fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.file.fileno(), fcntl.LOCK_SH)

    def release(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def clear_at_open(lib: Library, lock: OpenLock) -> list[str]:
    """At open, when no other process has the library: clear the debris. Then share the lock."""
    try:
        if lock.alone():
            found = find_debris(lib)
            return [] if found.empty else clear(lib, found)
        return []
    finally:
        lock.share()
