"""TeX in titles and abstracts, shown as Unicode text (``50\\%`` → ``50%``, ``$O(n^2)$`` → ``O(n²)``).

For display only: the stored text stays as the source gave it (BibTeX export and search need
it). pylatexenc does the conversion (accents, escapes, Greek, operators, formatting macros);
this module decides what counts as math, keeps literal ``%``/``&``/``#`` of plain abstracts
from turning into TeX comments or alignment, and sets simple sub- and superscripts as Unicode
(``x_i^2`` → ``xᵢ²``), which pylatexenc leaves as written.
"""

from __future__ import annotations

import functools
import logging
import re

log = logging.getLogger(__name__)

Segment = tuple[str, bool]  # (text, is_math)

# Text without any of these is returned untouched: most titles take this path.
_TEX_HINT = re.compile(r"[\\$~{}]")
# $…$, $$…$$ and \(…\) spans; a lone or escaped $ is text.
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)", re.S)
# Characters TeX would read as a comment, an alignment tab or a macro parameter; in a title or
# abstract they are meant literally, so they are escaped before pylatexenc sees them.
_LITERAL = re.compile(r"(?<!\\)([%&#$])")
# TeX swallows the space after a control word (``\log n`` → ``logn``); ``{}`` ends the word
# and keeps the space, except after macros that take an argument.
_WORD_SPACE = re.compile(r"(\\[A-Za-z]+)(?=\s|[^\x00-\x7f])")  # pylatexenc reads ``\sumᵢ`` as one name
_TAKES_ARG = frozenset(
    {
        "frac", "dfrac", "tfrac", "sqrt", "mathcal", "mathbb", "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathfrak", "boldsymbol", "text", "textrm", "textit", "textbf", "texttt", "textsc", "emph", "operatorname", "hat", "bar", "tilde", "vec", "dot", "ddot", "overline", "underline", "widehat", "widetilde", "mbox", "url", "href", "cite", "citep", "citet", "ref", "label", "footnote",
    }
)  # fmt: skip
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(\\[A-Za-z]+)|([A-Za-z0-9+\-*=()]))")

_SUP = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUP_MACROS = {r"\top": "ᵀ", r"\prime": "′", r"\ast": "*", r"\star": "*", r"\dagger": "†", "*": "*"}


@functools.cache
def _converter():  # type: ignore[no-untyped-def]
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False, keep_comments=False)


def _script(m: re.Match[str]) -> str:
    """``^2`` → ``²``, ``_{ij}`` → ``ᵢⱼ``; a script with no Unicode form becomes ``^(…)``."""
    sup = m.group(1) == "^"
    body = m.group(2) if m.group(2) is not None else (m.group(3) or m.group(4))
    body = body.strip()
    if sup and body in _SUP_MACROS:
        return _SUP_MACROS[body]
    table = _SUP if sup else _SUB
    if body and all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    if len(body) == 1 or (body.startswith("\\") and m.group(2) is None):
        return m.group(1) + body
    return f"{m.group(1)}({body})"


def _keep_spaces(m: re.Match[str]) -> str:
    return m.group(1) if m.group(1)[1:] in _TAKES_ARG else m.group(1) + "{}"


def _to_text(latex: str) -> str:
    latex = _WORD_SPACE.sub(_keep_spaces, latex)
    try:
        return str(_converter().latex_to_text(latex))
    except Exception:  # a converter bug must never cost the user the text
        log.debug("pylatexenc failed on %r", latex, exc_info=True)
        return latex


def _plain(text: str) -> str:
    if not _TEX_HINT.search(text):
        return text
    out = _to_text(_LITERAL.sub(r"\\\1", text))
    return out.replace("\xa0", " ")


def _math(inner: str) -> str:
    inner = _SCRIPT.sub(_script, inner)
    return " ".join(_to_text(_LITERAL.sub(r"\\\1", inner)).split())


@functools.lru_cache(maxsize=8192)
def tex_segments(text: str) -> tuple[Segment, ...]:
    """``text`` as Unicode pieces, each marked as math or not (math is usually set in italics)."""
    if not _TEX_HINT.search(text):
        return ((text, False),) if text else ()
    out: list[Segment] = []
    pos = 0
    for m in _MATH.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if m.start() > pos:
            out.append((_plain(text[pos : m.start()]), False))
        out.append((_math(inner), True))
        pos = m.end()
    if pos < len(text):
        out.append((_plain(text[pos:]), False))
    return tuple((t, is_math) for t, is_math in out if t)


def tex_to_unicode(text: str) -> str:
    """The display form of a title or abstract that may contain TeX."""
    if not _TEX_HINT.search(text):
        return text
    return "".join(t for t, _ in tex_segments(text))
