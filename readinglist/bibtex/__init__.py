"""Citation side of the core as pure functions: keys, TeX encoding, BibTeX export and import."""

from __future__ import annotations

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
