"""Plain Unicode text to safe BibTeX field values, and back.

Remote metadata is data, never TeX: every TeX special character is escaped so it prints
literally, Latin letters with diacritics become braced accent macros (``{\\"u}``), and only
well-formed, harmless ``$math$`` in titles survives as math.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# --- encoding ------------------------------------------------------------------------------------

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# BibTeX, biber and pybtex count `\{` as a brace while bibtexparser does not: `\{`/`\}` are only
# safe when the literal braces nest properly; otherwise use macros whose own braces balance.
_NESTED_BRACES = {"{": r"\{", "}": r"\}"}
_LOOSE_BRACES = {"{": r"{\textbraceleft}", "}": r"{\textbraceright}"}

_SYMBOL_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0307": ".",
    "\u0308": '"',
}
_LETTER_ACCENTS = {
    "\u0306": "u",
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0323": "d",
    "\u0327": "c",
    "\u0328": "k",
    "\u0331": "b",
}
_SPECIAL_LETTERS = {
    "ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
    "Œ": "OE", "å": "aa", "Å": "AA", "ı": "i", "ȷ": "j", "đ": "dj", "Đ": "DJ", "ð": "dh",
    "Ð": "DH", "þ": "th", "Þ": "TH", "ŋ": "ng", "Ŋ": "NG",
}  # fmt: skip


def _letter_table() -> dict[int, str]:
    """Accent macros for the precomposed Latin letters (one ASCII base letter, one accent).

    Letters with two accents (Vietnamese ệ, Pinyin ǘ), Greek, CJK and emoji stay UTF-8: biber and
    pybtex read UTF-8; classic 8-bit bibtex copies it through but may sort it oddly.
    """
    table = {ord(ch): "{\\" + macro + "}" for ch, macro in _SPECIAL_LETTERS.items()}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        parts = unicodedata.decomposition(ch).split()
        if cp in table or len(parts) != 2 or parts[0].startswith("<"):
            continue
        base, mark = chr(int(parts[0], 16)), chr(int(parts[1], 16))
        if not (base.isascii() and base.isalpha()):
            continue
        if mark in _SYMBOL_ACCENTS:
            table[cp] = "{\\" + _SYMBOL_ACCENTS[mark] + base + "}"
        elif mark in _LETTER_ACCENTS:
            table[cp] = "{\\" + _LETTER_ACCENTS[mark] + "{" + base + "}}"
    return table


# Control characters go; the ones Python counts as whitespace collapse into a space instead.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_BASE_TABLE: dict[int, str | None] = {
    **_letter_table(),
    **{ord(k): v for k, v in _SPECIALS.items()},
}
_TABLE_NESTED = {**_BASE_TABLE, **{ord(k): v for k, v in _NESTED_BRACES.items()}}
_TABLE_LOOSE = {**_BASE_TABLE, **{ord(k): v for k, v in _LOOSE_BRACES.items()}}
# BibLaTeX (biber reads UTF-8): the same escapes without the accent macros, so Unicode is kept.
_UNICODE_NESTED: dict[int, str | None] = {ord(k): v for k, v in {**_SPECIALS, **_NESTED_BRACES}.items()}
_UNICODE_LOOSE: dict[int, str | None] = {ord(k): v for k, v in {**_SPECIALS, **_LOOSE_BRACES}.items()}
_ASCII_SPECIAL = re.compile(r"[\\{}&%$#_~^]")

_MATH = re.compile(r"\$([^$]+)\$")
_MATH_TOKEN = re.compile(r"\\([A-Za-z@]+|.?)|\^\^|[%#&]")
# Control words that read or write files, define macros, change catcodes or loop: never kept.
_MATH_FORBIDDEN = (
    "input", "include", "write", "open", "read", "close", "catcode", "code", "def", "csname",
    "command", "environment", "package", "special", "file", "immediate", "expand", "verb",
    "begin", "end", "shipout", "output", "every", "scan", "lua", "shell", "loop", "global",
    "after", "jobname", "toks",
)  # fmt: skip
_MATH_FORBIDDEN_NAMES = frozenset({"let", "futurelet"})  # not as substrings: \bullet is fine
_PROTECT_HINT = re.compile(r"[A-Za-z0-9.'][A-Z]|[^\x00-\x7f]")
# The ASCII half of _PROTECT_HINT, found from the capital back: the regex engine then only
# stops at capitals (under half the cost on a title).
_INNER_CAPITAL = re.compile(r"[A-Z](?<=[A-Za-z0-9.'][A-Z])")
_WORD = re.compile(r"\S+")


def clean_text(text: str) -> str:
    """NFC text without control characters, whitespace runs collapsed to one space."""
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = " ".join(text.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _braces_nest(text: str) -> bool:
    """True when the braces of ``text`` nest properly (never close more than opened)."""
    if "{" not in text and "}" not in text:
        return True
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _tables(keep_unicode: bool) -> tuple[dict[int, str | None], dict[int, str | None]]:
    return (_UNICODE_NESTED, _UNICODE_LOOSE) if keep_unicode else (_TABLE_NESTED, _TABLE_LOOSE)


def encode_text(text: str, *, keep_unicode: bool = False) -> str:
    """Plain text to a BibTeX field value that prints exactly ``text``.

    Whitespace runs (newlines included) collapse to one space, as BibTeX reads them anyway.
    ``keep_unicode`` leaves letters as UTF-8 (BibLaTeX) instead of accent macros.
    """
    text = clean_text(text)
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return text
    nested, loose = _tables(keep_unicode)
    return text.translate(nested if _braces_nest(text) else loose)


def _math_is_safe(inner: str) -> bool:
    if "\\\\" in inner or not _braces_nest(inner):
        return False
    for m in _MATH_TOKEN.finditer(inner):
        name = m.group(1)
        if name is None:
            return False  # ^^ notation, a comment, a parameter or an alignment character
        if name == "":
            return False  # a backslash right before the closing $
        low = name.lower()
        if low in _MATH_FORBIDDEN_NAMES or any(bad in low for bad in _MATH_FORBIDDEN):
            return False
    return _braces_nest(_MATH_TOKEN.sub("", inner))  # the braces TeX itself sees


def _needs_protection(word: str) -> bool:
    """An uppercase letter right after a letter, digit, dot or apostrophe: GPU, iPhone, 3D, U.S."""
    prev = ""
    for ch in word:
        if ch.isupper() and prev and (prev.isalnum() or prev in ".'’"):
            return True
        prev = ch
    return False


def _protect(word: str, table: dict[int, str | None]) -> str:
    if not _needs_protection(word):
        return word.translate(table)
    start, end = 0, len(word)
    while not word[start].isalnum():
        start += 1
    while not word[end - 1].isalnum():
        end -= 1
    head, core, tail = word[:start], word[start:end], word[end:]
    return head.translate(table) + "{" + core.translate(table) + "}" + tail.translate(table)


def _encode_words(text: str, table: dict[int, str | None]) -> str:
    if not _PROTECT_HINT.search(text):
        return text.translate(table)
    return _WORD.sub(lambda m: _protect(m.group(), table), text)


def _has_inner_capital(ascii_text: str) -> bool:
    """What :data:`_PROTECT_HINT` finds in ASCII text: a capital after a letter, digit, dot or
    apostrophe. Text with no capital past its first letter is answered without a regex."""
    tail = ascii_text[1:]
    return tail.lower() != tail and _INNER_CAPITAL.search(ascii_text) is not None


def encode_title(text: str, *, keep_unicode: bool = False) -> str:
    """Like :func:`encode_text`, keeping safe ``$math$`` and bracing words like ``{GPU}``.

    Braces protect case from styles that lowercase titles; math is braced for the same reason.
    """
    text = clean_text(text)
    if text.isascii() and not _ASCII_SPECIAL.search(text) and not _has_inner_capital(text):
        return text  # nothing to escape, no math, no word to brace (most titles)
    pieces: list[tuple[bool, str]] = []  # (is_math, text)
    if "$" in text:
        pos = 0
        for m in _MATH.finditer(text):
            if _math_is_safe(m.group(1)):
                pieces.append((False, text[pos : m.start()]))
                pieces.append((True, m.group()))
                pos = m.end()
        pieces.append((False, text[pos:]))
    else:
        pieces.append((False, text))
    plain = "".join(t for is_math, t in pieces if not is_math)
    nested, loose = _tables(keep_unicode)
    table = nested if _braces_nest(plain) else loose
    return "".join("{" + t + "}" if is_math else _encode_words(t, table) for is_math, t in pieces)


# --- decoding ------------------------------------------------------------------------------------

_ACCENT_MARKS = {v: k for k, v in _SYMBOL_ACCENTS.items()} | {v: k for k, v in _LETTER_ACCENTS.items()}
_WORDS = {
    **{macro: ch for ch, macro in _SPECIAL_LETTERS.items()},
    "textbackslash": "\\", "textbraceleft": "{", "textbraceright": "}",
    "textasciitilde": "~", "textasciicircum": "^", "textunderscore": "_", "textdollar": "$",
    "textampersand": "&", "textpercent": "%", "textbar": "|", "textless": "<",
    "textgreater": ">", "textquotedbl": '"', "textquotesingle": "'",
    "dots": "…", "ldots": "…", "textellipsis": "…", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“",
    "textquotedblright": "”", "guillemotleft": "«", "guillemotright": "»",
    "textexclamdown": "¡", "textquestiondown": "¿", "S": "§", "P": "¶", "copyright": "©",
    "textcopyright": "©", "textregistered": "®", "texttrademark": "™", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "textdegree": "°",
    "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX",
    # Formatting and grouping commands: drop the command, keep what it formats.
    "emph": "", "textit": "", "textbf": "", "textsc": "", "texttt": "", "textrm": "",
    "textsf": "", "textup": "", "textsl": "", "textmd": "", "textnormal": "", "mbox": "",
    "hbox": "", "url": "", "NoCaseChange": "", "nocase": "", "it": "", "bf": "", "sc": "",
    "tt": "", "rm": "", "sf": "", "em": "", "sl": "", "relax": "", "protect": "",
}  # fmt: skip
_SYMBOLS = {
    "{": "{", "}": "}", "&": "&", "%": "%", "$": "$", "#": "#", "_": "_",
    " ": " ", "\\": " ", ",": " ", "-": "", "/": "", "@": "",
}  # fmt: skip
_BASE = r"\\[ij](?![A-Za-z])|[A-Za-z]"
# Every branch starts with a literal character, so the regex engine skips ahead to the next
# "$", "\\", "{", "}" or "~" instead of trying each branch at every character (a .bib's
# abstracts decode 2.5 times faster: a group or a class first defeats that).
_DECODE = re.compile(
    r"\$(?P<math>[^$]*)\$"
    rf"|\\(?P<acc>['`^\"~=.])\s*(?:\{{\s*(?P<b1>{_BASE})\s*\}}|(?P<b2>{_BASE}))"
    rf"|\\(?P<lacc>[cvuHrdbk])(?![A-Za-z])\s*(?:\{{\s*(?P<b3>{_BASE})\s*\}}|(?<=\s)(?P<b4>[A-Za-z]))"
    r"|\\(?P<word>[A-Za-z]+)\s*"
    r"|\\(?P<sym>[^A-Za-z]?)"
    r"|\{|\}|~"
)


@functools.lru_cache(maxsize=4096)
def _accented(base: str, accent: str) -> str:
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + _ACCENT_MARKS[accent])


def _decode_token(m: re.Match[str]) -> str:
    kind = m.lastgroup
    text = m.group()
    if kind == "math":
        return text
    if text in ("{", "}"):
        return ""
    if text == "~":
        return " "
    acc = m.group("acc") or m.group("lacc")
    if acc:
        base = m.group("b1") or m.group("b2") or m.group("b3") or m.group("b4")
        return _accented(base, acc)
    word = m.group("word")
    if word is not None:
        return _WORDS.get(word, text)
    return _SYMBOLS.get(m.group("sym") or "", text)


# A token's decoding depends on its text alone (every lookaround of _DECODE looks inside the
# match), so the few hundred distinct tokens of a file are decoded once each: a .bib of 10,000
# entries has about 700,000 tokens. Long tokens (math) are not kept; the cache is bounded.
_TOKEN_CACHE: dict[str, str] = {}
_TOKEN_CACHE_MAX = 8192


def _decode_cached(m: re.Match[str]) -> str:
    text = m.group()
    out = _TOKEN_CACHE.get(text)
    if out is None:
        out = _decode_token(m)
        if len(text) <= 24 and len(_TOKEN_CACHE) < _TOKEN_CACHE_MAX:
            _TOKEN_CACHE[text] = out
    return out


def decode_latex(value: str) -> str:
    """BibTeX field value to plain Unicode: accent macros and escapes decoded, grouping braces
    dropped, ``$math$`` kept as written. Values without TeX are returned untouched (fast path).
    """
    if "\\" not in value:
        if "{" not in value and "}" not in value and "~" not in value:
            return value
        if "$" not in value:  # only grouping braces and ties: what _DECODE makes of them
            return value.replace("{", "").replace("}", "").replace("~", " ")
    return _DECODE.sub(_decode_cached, value)
