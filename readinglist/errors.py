"""Typed errors. Each carries a message a user can act on; the CLI maps them to exit codes."""

from __future__ import annotations


class ReadingListError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NetworkError(ReadingListError):
    """A host could not be reached, timed out, or answered with an error status."""


class FeedFormatError(ReadingListError):
    """A response was not in the shape we expect (not JSON, not Atom, wrong top-level type)."""


class NotFoundError(ReadingListError):
    """A paper, tag, list or file the user named does not exist."""


class InvalidIdentifier(ReadingListError):
    """Text that is not an arXiv id, URL or citation key."""


class PdfError(ReadingListError):
    """A PDF is missing, corrupt, not a PDF, or could not be processed."""


class BibtexError(ReadingListError):
    """A .bib file could not be read or written."""


class StorageError(ReadingListError):
    """The library database or folder is unusable (locked, corrupt, newer schema, bad path)."""


class StaleWriteError(ReadingListError):
    """A write based on a version somebody else changed since: refused, nothing applied."""


class DamagedLibrary(StorageError):
    """The library database file fails its integrity check (``readinglist restore`` helps)."""


class Cancelled(ReadingListError):
    """The user cancelled a long operation."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)
