"""Writing user-visible files safely: temp file in the same folder, fsync, then os.replace."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

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
    data = content.encode("utf-8") if isinstance(content, str) else content
    return write_chunks_atomically(path, [data], only_if_changed=only_if_changed, error=error)


def write_chunks_atomically(
    path: Path | str,
    chunks: Iterable[bytes],
    *,
    only_if_changed: bool = False,
    error: type[ReadingListError] = StorageError,
) -> bool:
    """:func:`write_atomically` for bytes that come in pieces, streamed: they replace ``path``
    through a temporary file beside it (with ``only_if_changed``, only if the two differ).
    Returns whether the file was written.

    With ``only_if_changed`` each piece is compared with the file there as it comes, and while
    they agree the pieces are held (up to :data:`HOLD_MAX` bytes) instead of written: a file
    that stays the same (an auto-export after a change outside its scope) is then only read,
    never written and read back. The kernel is asked to start writing each MiB to disk as soon as it is written, so the
    fsync before the rename waits for the last MiB, not for all of it (a 15 MB export spent 8 ms
    in its fsync)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise error(f"{path} is a folder; give a file name inside it")
    if not path.parent.is_dir():
        raise error(f"the folder {path.parent} does not exist")
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f, _OldFile(path if only_if_changed else None) as old:
            out = _Writer(f)
            held: list[bytes] | None = []  # agreed with the old file, not written yet; None once written
            held_size = 0
            for chunk in chunks:
                agrees = old.agrees(chunk)
                if agrees and held is not None and held_size + len(chunk) <= HOLD_MAX:
                    held.append(chunk)
                    held_size += len(chunk)
                    continue
                if held is not None:
                    out.write_all(held)
                    held = None
                out.write(chunk)
            if old.at_end():
                f.close()
                tmp.unlink()
                return False
            if held is not None:
                out.write_all(held)  # the old file went on after the new text
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


HOLD_MAX = 32 << 20  # bytes held while they agree with the file they replace
WRITEBACK_STEP = 1 << 20


class _Writer:
    """Writes to ``f`` and has the kernel begin writing each :data:`WRITEBACK_STEP` to disk
    without waiting for it: Linux's ``POSIX_FADV_DONTNEED`` starts the writeback of dirty pages
    (and drops them from the cache once written; nothing here reads the new file back). A hint:
    where it is missing or refused, the fsync does all the work."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.advise = getattr(os, "posix_fadvise", None)
        self.dontneed = getattr(os, "POSIX_FADV_DONTNEED", 0)
        self.written = self.started = 0

    def write_all(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def write(self, chunk: bytes) -> None:
        self.f.write(chunk)
        self.written += len(chunk)
        if self.written - self.started >= WRITEBACK_STEP and self.advise is not None:
            self.f.flush()
            with suppress(OSError):
                self.advise(self.f.fileno(), self.started, self.written - self.started, self.dontneed)
            self.started = self.written


class _OldFile:
    """The file at ``path``, compared with what comes piece by piece. A missing or unreadable
    file differs from the start."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.old: BinaryIO | None = None
        self.same = False  # everything that came agrees with the old file's start

    def __enter__(self) -> _OldFile:
        try:
            self.old = self.path.open("rb") if self.path is not None and self.path.is_file() else None
        except OSError:
            self.old = None
        self.same = self.old is not None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            self.old.close()

    def agrees(self, chunk: bytes) -> bool:
        """Whether the old file goes on with ``chunk`` (and did so far)."""
        self.same = self.same and self._read(len(chunk)) == chunk
        return self.same

    def at_end(self) -> bool:
        """Whether everything that came is the whole old file."""
        return self.same and self._read(1) == b""

    def _read(self, n: int) -> bytes | None:
        assert self.old is not None
        try:
            return self.old.read(n)
        except OSError:
            return None


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
