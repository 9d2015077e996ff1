"""Citation side of the core as pure functions: keys, TeX encoding, BibTeX export and import.

The names below load their module on first use (PEP 562), so exporting never loads the
reader's bibtexparser (about 50 ms) and importing never loads the writer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    **dict.fromkeys(("DEFAULT_PATTERN", "make_citekey", "validate_citekey", "validate_pattern"), "citekeys"),
    **dict.fromkeys(("decode_latex", "encode_text", "encode_title"), "latex"),
    **dict.fromkeys(("BibEntry", "BibImport", "BibProblem", "parse_bibtex", "parse_bibtex_file"), "reader"),
    **dict.fromkeys(("entry_for", "write_bibtex"), "writer"),
}

if TYPE_CHECKING:
    from readinglist.bibtex.citekeys import (
        DEFAULT_PATTERN,
        make_citekey,
        validate_citekey,
        validate_pattern,
    )
    from readinglist.bibtex.latex import decode_latex, encode_text, encode_title
    from readinglist.bibtex.reader import (
        BibEntry,
        BibImport,
        BibProblem,
        parse_bibtex,
        parse_bibtex_file,
    )
    from readinglist.bibtex.writer import entry_for, write_bibtex
    from readinglist.textutil import normalize_title


def __getattr__(name: str) -> Any:
    if name == "normalize_title":
        from readinglist.textutil import normalize_title

        return normalize_title
    if name in _HOMES:
        return getattr(importlib.import_module(f"readinglist.bibtex.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'readinglist.bibtex' has no attribute {name!r}")


__all__ = [
    "DEFAULT_PATTERN",
    "BibEntry",
    "BibImport",
    "BibProblem",
    "decode_latex",
    "encode_text",
    "encode_title",
    "entry_for",
    "make_citekey",
    "normalize_title",
    "parse_bibtex",
    "parse_bibtex_file",
    "validate_citekey",
    "validate_pattern",
    "write_bibtex",
]
