"""Writing user-visible files safely: temp file in the same folder, fsync, then os.replace."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from readinglist.errors import ReadingListError, StorageError


def write_atomically(
    path: Path | str,
    content: str | bytes,
    *,
    only_if_changed: bool = False,
    error: type[ReadingListError] = StorageError,
) -> bool:
    """Write ``content`` to ``path`` so readers see the old file or the new one, never half.

    With ``only_if_changed`` an identical file is left alone (editors and git see no change).
    Returns whether the file was written. Problems raise ``error`` with a message a user can act on.
    """
    path = Path(path).expanduser()
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_dir():
        raise error(f"{path} is a folder; give a file name inside it")
    if not path.parent.is_dir():
        raise error(f"the folder {path.parent} does not exist")
    if only_if_changed:
        try:
            if path.is_file() and path.read_bytes() == data:
                return False
        except OSError:
            pass
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    return True


def temp_beside(path: Path) -> tuple[int, Path]:
    """A new file ``.NAME.RANDOM.tmp`` in ``path``'s folder, open for writing (mode 0600), as
    ``tempfile.mkstemp`` makes one; without ``tempfile``, which loads ``shutil`` and ``random``
    (4 ms of an ``export -o``)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))


def free_megabytes(path: Path) -> int | None:
    try:
        st = os.statvfs(path)  # what shutil.disk_usage reads, without loading shutil for it
        return st.f_bavail * st.f_frsize // (1024 * 1024)
    except OSError:
        return None


def is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or "disk is full" in text


def disk_full_message(where: Path) -> str:
    """What to say when a write found no room: which disk, and how much is left."""
    free = free_megabytes(where)
    size = f" ({free} MB free)" if free is not None else ""
    return f"the disk holding {where} is full{size}; free some space and try again. Nothing half-written was kept"


def source_version(paths: Iterable[Path]) -> str:
    """Names the code in these files (two checksums and the length of their bytes, 40
    characters at most): what a cache or a helper process checks before trusting work done by
    code that may differ. zlib, not hashlib, which would cost a read command 2 ms of OpenSSL."""
    import zlib

    src = b"\0".join(Path(p).read_bytes() for p in paths)
    return f"{zlib.crc32(src):08x}{zlib.adler32(src):08x}{len(src):x}"
