"""Citation keys from a pattern, JabRef style.

Placeholders (anything else in a pattern is literal text from ``[A-Za-z0-9_:-]``):

- ``{auth}``: the first author's last name, lower case; ``{Auth}``: the same, capitalised.
  The last name includes its particles ("Jan van der Berg" gives ``vanderberg``, "José de la
  Cruz" gives ``delacruz``); "Last, First" input is read as such. An organisation ("The ATLAS
  Collaboration", "Google, Inc.") gives its first significant word (``atlas``, ``google``).
- ``{authors2}``: one author ``smith``, two ``smithjones``, three or more ``smithEtAl``.
- ``{year}``: four digits (``meta.year``, else the year of ``meta.published``), empty if unknown;
  ``{shortyear}``: its last two digits.
- ``{title}`` and ``{veryshorttitle}``: the first significant title word, lower case (stop
  words such as a, the, on, of, towards are skipped); ``{Title}``: that word capitalised;
  ``{shorttitle}``: the first three significant words run together.

Names and words are folded to ASCII (ü→u, ł→l, ß→ss) and stripped of anything but letters and
digits. No author, or a name with no Latin letters, gives ``anon``. A key is never empty.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Container, Iterator

from readinglist.bibtex.latex import decode_latex
from readinglist.errors import BibtexError
from readinglist.records import PaperMeta

DEFAULT_PATTERN = "{auth}{year}{title}"

STOP_WORDS = frozenset({
    "a", "an", "the", "on", "of", "for", "and", "in", "to", "with", "towards", "toward", "via",
    "is", "are", "your", "from", "by", "at", "as", "into", "onto", "or", "but", "nor", "its", "our",
    "we", "you", "do", "does", "be", "can", "how", "what", "why", "when", "which", "about", "over",
    "under", "up", "vs", "versus"
})  # fmt: skip
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_ORG_WORDS = frozenset({
    "inc", "inc.", "ltd", "ltd.", "llc", "corp", "corp.", "corporation", "company", "collaboration",
    "consortium", "team", "group", "institute", "university", "laboratory", "lab", "labs",
    "foundation", "association", "society", "committee", "project", "center", "centre",
    "department", "gmbh", "research"
})  # fmt: skip
_FOLD = str.maketrans(
    {"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
     "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i",
     "ŋ": "n", "Ŋ": "N", "’": "", "'": ""}
)  # fmt: skip
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LITERAL_OK = re.compile(r"[A-Za-z0-9_:-]*")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_MATH = re.compile(r"\$[^$]*\$")
_BAD_KEY = re.compile(r"[\s,{}\"'#%~\\()=]|[\x00-\x1f\x7f]")
_PLACEHOLDERS = frozenset({
    "auth", "Auth", "authors2", "year", "shortyear", "title", "Title", "shorttitle",
    "veryshorttitle"
})  # fmt: skip


def fold_ascii(text: str) -> str:
    """ASCII letters and digits only: accents dropped, ß→ss, ł→l, everything else removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD))
        text = "".join(ch for ch in text if ch.isascii())
    return _NON_ALNUM.sub("", text)


def is_organisation(name: str) -> bool:
    """A heuristic: a name holding " and ", "AI" or a word like Inc, University, Collaboration."""
    words = name.split()
    return any(w.lower() == "and" or w == "AI" or w.strip(",.()").lower() in _ORG_WORDS for w in words)


def split_name(name: str) -> tuple[str, str, str, str]:
    """A display name ("Ludwig van Beethoven", "Martin Luther King Jr.") as BibTeX's parts
    ``(first, von, last, jr)``. A name with a comma is read as "von Last, [Jr,] First".
    """
    if "," in name:
        parts = [p.strip() for p in name.split(",")]
        first = parts[-1] if len(parts) > 1 else ""
        jr = ", ".join(parts[1:-1])
        tokens = parts[0].split()
        von_end = 0
        while von_end < len(tokens) - 1 and tokens[von_end][:1].islower():
            von_end += 1
        return first, " ".join(tokens[:von_end]), " ".join(tokens[von_end:]), jr
    tokens = name.split()
    jr = ""
    if len(tokens) > 2 and tokens[-1].lower() in _SUFFIXES:
        jr = tokens.pop()
    if len(tokens) <= 1:
        return "", "", " ".join(tokens), jr
    # BibTeX's rule: the von part runs from the first to the last lower-case word before the last.
    lower = [i for i in range(1, len(tokens) - 1) if tokens[i][:1].islower()]
    if not lower:
        return " ".join(tokens[:-1]), "", tokens[-1], jr
    return (
        " ".join(tokens[: lower[0]]),
        " ".join(tokens[lower[0] : lower[-1] + 1]),
        " ".join(tokens[lower[-1] + 1 :]),
        jr,
    )


def _plain(text: str) -> str:
    return decode_latex(text) if "\\" in text or "{" in text else text


@functools.lru_cache(maxsize=1 << 16)  # the same authors sign many papers of a feed or a .bib
def last_name(name: str) -> str:
    """The folded, lower-case last name (with particles) of one author, "" when it has none."""
    name = _plain(name).strip()
    if not name:
        return ""
    if is_organisation(name):
        words = [fold_ascii(w).lower() for w in name.split()]
        return next((w for w in words if w and w not in STOP_WORDS), "")
    _first, von, last, _jr = split_name(name)
    return fold_ascii(von + last).lower()


def title_words(title: str) -> Iterator[str]:
    """Significant title words, folded to lower-case ASCII, math dropped."""
    title = _MATH.sub(" ", _plain(title))
    for word in _NON_ALNUM.split(fold_ascii_keep_spaces(title)):
        low = word.lower()
        if low and low not in STOP_WORDS:
            yield low


def fold_ascii_keep_spaces(text: str) -> str:
    """Like :func:`fold_ascii` but non-alphanumerics become spaces (word boundaries survive)."""
    text = text.replace("'", "").replace("’", "")  # don't -> dont, not don + t
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD))
        text = "".join(ch for ch in text if ch.isascii())
    return _NON_ALNUM.sub(" ", text)


def validate_pattern(pattern: str) -> str:
    """Return ``pattern``; raise :class:`BibtexError` for an unknown placeholder or bad text."""
    pos = 0
    for m in _PLACEHOLDER.finditer(pattern):
        _check_literal(pattern, pattern[pos : m.start()])
        if m.group(1) not in _PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(_PLACEHOLDERS))
            raise BibtexError(f"unknown placeholder {m.group()} in key pattern {pattern!r}; use {known}")
        pos = m.end()
    _check_literal(pattern, pattern[pos:])
    if not pattern:
        raise BibtexError("the citation key pattern is empty; the default is " + DEFAULT_PATTERN)
    return pattern


def _check_literal(pattern: str, literal: str) -> None:
    if not _LITERAL_OK.fullmatch(literal):
        raise BibtexError(
            f"key pattern {pattern!r} contains {literal!r}: outside placeholders only letters, "
            "digits, _ : and - are allowed"
        )


def _year(meta: PaperMeta) -> str:
    if meta.year:
        return str(meta.year)
    return str(meta.published.year) if meta.published else ""


def _values(meta: PaperMeta, wanted: frozenset[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    if wanted & {"auth", "Auth", "authors2"}:
        # The first three named authors decide every author placeholder (a feed paper can
        # list hundreds; folding all of them was most of a sync's key cost).
        names = list(itertools.islice((n for n in (last_name(a) for a in meta.authors) if n), 3)) or ["anon"]
        values["auth"] = names[0]
        values["Auth"] = names[0][:1].upper() + names[0][1:]
        if len(names) == 2:
            values["authors2"] = names[0] + names[1]
        else:
            values["authors2"] = names[0] + ("EtAl" if len(names) > 2 else "")
    year = _year(meta)
    values["year"], values["shortyear"] = year, year[-2:]
    if wanted & {"title", "Title", "shorttitle", "veryshorttitle"}:
        words = []
        for word in title_words(meta.title):
            words.append(word)
            if len(words) == 3:
                break
        first = words[0] if words else ""
        values.update(title=first, veryshorttitle=first, Title=first.capitalize())
        values["shorttitle"] = "".join(words)
    return values


@functools.cache
def _suffix(n: int) -> str:
    """0 → a, 25 → z, 26 → aa, 27 → ab … (bijective base 26, as JabRef counts)."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


@functools.lru_cache(maxsize=64)
def _wanted(pattern: str) -> frozenset[str]:
    """The placeholders of a valid pattern (checked once per distinct pattern)."""
    validate_pattern(pattern)
    return frozenset(_PLACEHOLDER.findall(pattern))


def make_citekey(
    meta: PaperMeta,
    *,
    pattern: str = DEFAULT_PATTERN,
    taken: Callable[[str], bool] = lambda k: False,
    family: Callable[[str], Container[str]] | None = None,
) -> str:
    """A key for ``meta`` from ``pattern``; when ``taken(key)``, append a, b, … z, aa, ab ….

    ``taken`` should ignore case: biber warns and pybtex fails on keys differing only in case.
    ``family(base)``, when given, holds (casefolded) every taken key that starts with ``base``:
    the suffixes are then tried against it alone, which matters when a base is common (forty
    "wang2024" keys are forty probes for the next one).
    """
    wanted = _wanted(pattern)
    values = _values(meta, wanted)
    base = _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern) or "anon"
    if not taken(base):
        return base
    if family is not None:
        return free_key(base, family(base))
    for n in range(26 + 26**2 + 26**3):
        key = base + _suffix(n)
        if not taken(key):
            return key
    raise BibtexError(f"no free citation key left for {base!r}; choose one with rekey")


def free_key(base: str, used: Container[str]) -> str:
    """The first of ``base``+a, +b, … +z, +aa … whose casefolded form is not in ``used`` (the
    taken keys sharing ``base``, casefolded): what :func:`make_citekey` gives a taken base."""
    folded = base.casefold()
    for n in range(26 + 26**2 + 26**3):
        if folded + _suffix(n) not in used:
            return base + _suffix(n)
    raise BibtexError(f"no free citation key left for {base!r}; choose one with rekey")


def validate_citekey(key: str) -> str:
    """Return ``key``; raise :class:`BibtexError` if BibTeX cannot use it as an entry key."""
    if not key:
        raise BibtexError("a citation key cannot be empty")
    bad = _BAD_KEY.search(key)
    if bad:
        shown = repr(bad.group())
        raise BibtexError(
            f"citation key {key!r} contains {shown}; keys cannot hold spaces, commas, braces, "
            "quotes, parentheses or any of = # % ~ \\"
        )
    return key
