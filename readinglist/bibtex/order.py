"""The order of entries in a .bib file and the uniqueness of their keys.

Apart from the writer so that an export served from kept entries (``rendered_entries``) sorts
and checks its keys without loading the writer and its TeX tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from readinglist.errors import BibtexError


def key_order(key: str) -> tuple[str, str]:
    """The order of entries in a file: by key without case, then by key."""
    return key.casefold(), key


def check_unique_keys(keys: Iterable[str]) -> None:
    """Raise :class:`BibtexError` for a key used twice or two keys that differ only in case."""
    seen: dict[str, str] = {}
    for key in keys:
        folded = key.casefold()
        first = seen.get(folded)
        if first is not None:
            same = "is used twice" if first == key else f"and {first!r} differ only in case"
            raise BibtexError(
                f"citation key {key!r} {same}; BibTeX and biber need unique keys, so rekey one paper"
            )
        seen[folded] = key
