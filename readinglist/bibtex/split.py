"""Splitting .bib text into blocks: a fast scanner for well-formed files, bibtexparser for the rest.

The scanner reads the shapes real exports use (``@type{key, name = {…} # "…" # macro, …}``,
``@string``, ``@comment``, ``@preamble``) with a handful of compiled patterns, about ten times
faster than bibtexparser's character-mark splitter. It yields exactly what bibtexparser's
splitter would (the same keys, the same raw values with their delimiters, the same lines) and
gives up on anything it does not read with certainty: ``(``-delimited blocks, a quoted value
holding braces or backslashes, an ``@`` that could start a block inside a value, a field
without ``=``, an unclosed brace. Then the whole text goes to bibtexparser, whose error
recovery turns broken blocks into problems, so a broken file reads as it always did.
``tests/core/test_bib_split.py`` compares both on every fixture and on generated entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A block starts where bibtexparser's splitter starts one: ``@`` + word chars + blanks + ``{``/``(``.
_BLOCK_START = re.compile(r"@(\w*)[ \t]*(?=[{(])")
_KEY = re.compile(r"\s*([^\s,{}()\"=@\\#%']+)\s*,")
_FIELD_NAME = re.compile(r"\s*([^\s,{}()\"=@\\#]+)\s*=\s*")
_STRING_NAME = re.compile(r"\s*([^\s,{}()\"=@\\#]+)\s*=")
# In a quoted field value bibtexparser counts no braces and skips ``\"`` and ``{"}``; in an
# @string's quoted value it counts braces, so there only brace-free quotes are read here.
_QUOTED_RE = r'"(?:\{"\}|[^"\\@{]++|\{|\\++"?)*+"'
_QUOTED = re.compile(_QUOTED_RE)
_PLAIN_QUOTED = re.compile(r'"[^"{}\\@]*"')
_BARE = re.compile(r"[^\s,{}()\"=@\\#]+")
_SEP = re.compile(r"\s*(?:(#)\s*|([,}]))")
_SPACE = re.compile(r"\s*")
# Inside braces a brace counts unless a backslash precedes it (bibtexparser's rule); ``@`` is
# looked at because a block start at the start of a line ends the block for bibtexparser.
_BRACE_MARK = re.compile(r"(?<!\\)[{}]|@\w*[ \t]*(?=[{(])")
# A braced value nested at most three deep without ``@``: one match, no Python loop.
_ATOM = r"(?:[^{}\\@]++|\\++[{}]?)"
_BRACED_RE = rf"\{{(?:{_ATOM}|\{{(?:{_ATOM}|\{{(?:{_ATOM}|\{{{_ATOM}*+\}})*+\}})*+\}})*+\}}"
_BRACED = re.compile(_BRACED_RE)
# The common field in one match: a name, ``=``, one braced, quoted or bare part, and ``,``/``}``.
_FIELD = re.compile(
    rf"\s*([^\s,{{}}()\"=@\\#]+)\s*=\s*({_BRACED_RE}|{_QUOTED_RE}|[^\s,{{}}()\"=@\\#]+)\s*([,}}])"
)


@dataclass(frozen=True, slots=True)
class EntryBlock:
    line: int  # 1-based line of the ``@``
    entry_type: str  # lower case
    key: str
    fields: tuple[tuple[str, str], ...]  # (name as written, raw value with its delimiters)
    duplicates: frozenset[str]  # field names given more than once


@dataclass(frozen=True, slots=True)
class StringBlock:
    line: int
    key: str
    value: str  # raw


@dataclass(frozen=True, slots=True)
class FailedBlock:
    line: int
    raw: str
    reason: str


Block = EntryBlock | StringBlock | FailedBlock


class _Unsure(Exception):
    """The fast scanner met something only bibtexparser reads the way bibtexparser does."""


def split_blocks(text: str) -> list[Block]:
    """Entries, @string definitions and failed blocks of ``text``, in file order (comments and
    @preamble are dropped)."""
    try:
        return _fast(text)
    except _Unsure:
        return _with_bibtexparser(text)


def _line_start(text: str, pos: int) -> bool:
    """True when only blanks stand between the previous newline (or the start) and ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    return not text[start:pos].strip()


def _close_brace(text: str, pos: int) -> int:
    """Index just past the ``}`` closing the ``{`` at ``pos``."""
    m = _BRACED.match(text, pos)
    if m:
        return m.end()
    depth = 0
    for mark in _BRACE_MARK.finditer(text, pos):
        ch = mark.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return mark.end()
        elif _line_start(text, mark.start()):
            raise _Unsure  # bibtexparser ends the block here and reports it
    raise _Unsure  # unclosed


def _value_end(text: str, pos: int, quoted: re.Pattern[str] = _QUOTED) -> tuple[int, str]:
    """Parse ``part (# part)*`` from ``pos``; the end of the value and the separator after it."""
    while True:
        ch = text[pos : pos + 1]
        if ch == "{":
            pos = _close_brace(text, pos)
        elif ch == '"':
            m = quoted.match(text, pos)
            if m is None:
                raise _Unsure
            pos = m.end()
        else:
            m = _BARE.match(text, pos)
            if m is None:
                raise _Unsure  # an empty value, or a character we do not expect
            pos = m.end()
        sep = _SEP.match(text, pos)
        if sep is None:
            raise _Unsure
        if sep.group(1) is None:
            return pos, sep.group(2)
        pos = sep.end()


def _entry(text: str, body: int, line: int, kind: str) -> tuple[EntryBlock, int]:
    m = _KEY.match(text, body)
    if m is None:
        raise _Unsure  # no key, a key-only entry, or an odd key
    key = m.group(1)
    pos = m.end()
    fields: list[tuple[str, str]] = []
    seen: set[str] = set()
    duplicates: set[str] = set()
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
        if text.startswith("}", pos):
            break
        simple = _FIELD.match(text, pos)
        if simple is not None:
            name_, value, sep = simple.groups()
            fields.append((name_, value))
            if name_ in seen:
                duplicates.add(name_)
            seen.add(name_)
            pos = simple.end()
            if sep == "}":
                return EntryBlock(line, kind, key, tuple(fields), frozenset(duplicates)), pos
            continue
        name = _FIELD_NAME.match(text, pos)
        if name is None:
            raise _Unsure
        start = name.end()
        end, sep = _value_end(text, start)
        fields.append((name.group(1), text[start:end]))
        if name.group(1) in seen:
            duplicates.add(name.group(1))
        seen.add(name.group(1))
        pos = text.index(sep, end)
        if sep == "}":
            break
        pos += 1
    return EntryBlock(line, kind, key, tuple(fields), frozenset(duplicates)), pos + 1


def _string(text: str, body: int, line: int) -> tuple[StringBlock, int]:
    m = _STRING_NAME.match(text, body)
    if m is None:
        raise _Unsure
    start = _SPACE.match(text, m.end()).end()  # type: ignore[union-attr]
    end, sep = _value_end(text, start, _PLAIN_QUOTED)
    if sep != "}":
        raise _Unsure
    return StringBlock(line, m.group(1), text[start:end]), text.index("}", end) + 1


def _fast(text: str) -> list[Block]:
    blocks: list[Block] = []
    pos = 0
    line, counted = 1, 0
    while True:
        m = _BLOCK_START.search(text, pos)
        if m is None:
            return blocks
        at = m.start()
        line += text.count("\n", counted, at)
        counted = at
        if text[m.end()] != "{":
            raise _Unsure  # ``(``-delimited
        kind = m.group(1).lower()
        body = m.end() + 1
        if kind.startswith("comment") or kind.startswith("preamble"):
            pos = _close_brace(text, m.end())
        elif kind.startswith("string"):
            string, pos = _string(text, body, line)
            blocks.append(string)
        elif not kind:
            raise _Unsure
        else:
            entry, pos = _entry(text, body, line, kind)
            blocks.append(entry)


def _with_bibtexparser(text: str) -> list[Block]:
    import logging

    from bibtexparser import model
    from bibtexparser.entrypoint import parse_string

    # bibtexparser logs a WARNING per broken block; without any handler Python's last-resort
    # handler would print them to stderr. They are reported as problems instead.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    blocks: list[Block] = []
    library = parse_string(text, parse_stack=[])
    block: model.Block | None
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        duplicates: frozenset[str] = frozenset()
        if isinstance(block, model.DuplicateFieldKeyBlock):
            duplicates = frozenset(block.duplicate_keys)
            block = block.ignore_error_block
        elif isinstance(block, model.DuplicateBlockKeyBlock):
            block = block.ignore_error_block
        elif isinstance(block, model.ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", None) or str(block.error)
            blocks.append(FailedBlock(line, block.raw or "", reason))
            continue
        if isinstance(block, model.String):
            blocks.append(StringBlock(line, block.key.strip(), block.value))
        elif isinstance(block, model.Entry):
            fields = tuple((f.key.strip(), f.value) for f in block.fields)
            blocks.append(
                EntryBlock(line, block.entry_type.strip().lower(), block.key.strip(), fields, duplicates)
            )
    return blocks
