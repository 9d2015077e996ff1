"""Small text helpers shared by the sources, the library and the exporters."""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae", "œ": "oe"}
)


_TEX_WORD = re.compile(r"\\[a-zA-Z]+")
_NOT_WORD = re.compile(r"[\W_]+")


def fold_letters(text: str) -> str:
    """Replace letters that have no accent decomposition (ł, ø, ß, æ, ...) by plain ones."""
    return text.translate(_FOLD)


def normalize_title(title: str) -> str:
    """A key for duplicate detection: case, accents, TeX braces and punctuation do not matter.

    Letters of every script are kept (a Chinese title does not collapse to nothing). TeX in
    the title (``{\\"u}ber``, from a .bib file) is decoded first, so it matches the same title
    written in Unicode (from arXiv).
    """
    if "\\" in title:
        from readinglist.bibtex.latex import decode_latex

        title = decode_latex(title)
    s = _TEX_WORD.sub(" ", title) if "\\" in title else title
    s = s.replace("{", "").replace("}", "").replace("$", " ")
    if not s.isascii():  # most titles are ASCII: skip the per-character accent strip
        s = unicodedata.normalize("NFKD", s.translate(_FOLD))
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", s.casefold()).split())


def collapse_ws(s: str) -> str:
    return " ".join(s.split())


def plural(n: int, word: str, many: str | None = None) -> str:
    """``2 papers``, ``1 paper``: the count with the right form of the word."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
