"""PDFs of a lab library (PostgreSQL): one copy of each file for the whole lab.

Each member keeps the PDFs they read in their own library folder (``pdfs/``, the path the
attachment records), because the reader writes annotations into that copy. What the lab shares
is the original as it was attached, named by its content hash:

- in a shared folder (``READINGLIST_SHARED_PDFS``, a network share every member mounts) as
  ``<folder>/<first two hex digits>/<sha256>.pdf``;
- or, without one, in the database itself as a PostgreSQL large object (``pdf_blobs``: hash,
  object id, size), written in 1 MB pieces inside the change that records the attachment, so a
  committed attachment always has its content.

A member whose folder lacks an attached PDF gets the lab's copy (:func:`fetch`, verified by its
hash) instead of downloading it again. The same file attached by two members is stored once:
the store is keyed by the hash, and writers hold the library's write lock. Stored originals are
kept when an attachment goes, so undoing a deletion brings the PDF back for everyone.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import text

from readinglist.errors import PdfError
from readinglist.services.library import Library
from readinglist.services.unit import Transaction

log = logging.getLogger(__name__)

SHARED_PDFS_ENV = "READINGLIST_SHARED_PDFS"
CHUNK = 1 << 20


def shared_folder() -> Path | None:
    """The lab's shared PDF folder, or None (then PDFs are stored in the database)."""
    value = os.environ.get(SHARED_PDFS_ENV, "").strip()
    return Path(value).expanduser() if value else None


def store_path(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / f"{sha256}.pdf"


def publish(tx: Transaction, path: Path, *, sha256: str, size: int) -> None:
    """Inside the change that records an attachment: make the file the lab's (once per hash)."""
    folder = shared_folder()
    if folder is not None:
        from readinglist.services.attachments import place_copy

        target = store_path(folder, sha256)
        if target.is_file() and target.stat().st_size == size:
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PdfError(f"cannot write to the lab's PDF folder {folder}: {exc.strerror}") from exc
        place_copy(path, target)
        return
    s = tx.session
    if s.execute(text("SELECT 1 FROM pdf_blobs WHERE sha256 = :h"), {"h": sha256}).first() is not None:
        return
    oid = int(s.execute(text("SELECT lo_create(0)")).scalar_one())
    offset = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            s.execute(text("SELECT lo_put(:o, :at, :d)"), {"o": oid, "at": offset, "d": chunk})
            offset += len(chunk)
    s.execute(
        text("INSERT INTO pdf_blobs (sha256, oid, size, added_at) VALUES (:h, :o, :n, now())"),
        {"h": sha256, "o": oid, "n": offset},
    )


def fetch(lib: Library, rel: str, *, sha256: str, size: int) -> bool:
    """Put the lab's copy of an attached PDF at ``rel`` in this member's folder. True when the
    file is there now with the recorded hash; False when the lab has no copy."""
    dest = lib.root / rel
    folder = shared_folder()
    if folder is not None and store_path(folder, sha256).is_file():
        with open(store_path(folder, sha256), "rb") as src:
            return _write_verified(dest, iter(lambda: src.read(CHUNK), b""), sha256, size)
    with lib.read() as s:
        found = s.execute(text("SELECT oid, size FROM pdf_blobs WHERE sha256 = :h"), {"h": sha256}).first()
        if found is None:
            return False
        oid, stored = int(found[0]), int(found[1])
        pieces = (
            bytes(
                s.execute(text("SELECT lo_get(:o, :at, :n)"), {"o": oid, "at": at, "n": CHUNK}).scalar_one()
            )
            for at in range(0, stored, CHUNK)
        )
        return _write_verified(dest, pieces, sha256, size)


def _write_verified(dest: Path, pieces: Iterable[bytes], sha256: str, size: int) -> bool:
    """Write ``pieces`` to ``dest`` atomically if they hash to ``sha256``; a copy that does not
    (a damaged store) is dropped and reported."""
    digest = hashlib.sha256()
    tmp = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    try:
        with open(tmp, "wb") as out:
            for piece in pieces:
                digest.update(piece)
                out.write(piece)
                n += len(piece)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256 or n != size:
            log.warning("the lab's copy of %s does not match its hash; not used", dest.name)
            tmp.unlink(missing_ok=True)
            return False
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"cannot copy the lab's PDF into {dest.parent}: {exc.strerror}") from exc
    return True
