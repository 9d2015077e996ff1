"""Cite-as-you-write answers: the keys a picker chose, written the way an editor wants them.

The format names and their options (``brackets``, ``command``, ``style``, ``translator``) are
Better BibTeX's, so plugins written for it work unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from readinglist.errors import ReadingListError

FORMATS = ("pandoc", "latex", "cite", "biblatex", "natbib", "mmd", "typst", "asciidoctor-bibtex", "json",
           "formatted-citation", "formatted-bibliography", "translate")  # fmt: skip
_TRUE = ("1", "true", "yes", "y")


def format_keys(
    keys: Sequence[str],
    fmt: str,
    options: Mapping[str, str],
    *,
    render: Callable[[Sequence[str], str, str], str] | None = None,
) -> str:
    """The picked ``keys`` in ``fmt``. ``render(keys, kind, option)`` formats references or
    exports entries for the formats that need the library (formatted-*, translate)."""
    if not keys:
        return ""
    if fmt == "pandoc":
        text = "; ".join(f"@{k}" for k in keys)
        return f"[{text}]" if options.get("brackets", "").lower() in _TRUE else text
    if fmt in ("latex", "cite"):
        return f"\\{options.get('command') or 'cite'}{{{','.join(keys)}}}"
    if fmt == "biblatex":
        return f"\\{options.get('command') or 'autocite'}{{{','.join(keys)}}}"
    if fmt == "natbib":
        return f"\\{options.get('command') or 'citep'}{{{','.join(keys)}}}"
    if fmt == "mmd":
        return "".join(f"[#{k}][]" for k in keys)
    if fmt == "typst":
        return " ".join(f"@{k}" for k in keys)
    if fmt == "asciidoctor-bibtex":
        return f"{options.get('cite') or 'cite'}:[{', '.join(keys)}]"
    if fmt == "json":
        return json.dumps([{"citekey": k} for k in keys], ensure_ascii=False)
    if render is not None and fmt in ("formatted-citation", "formatted-bibliography"):
        return render(keys, "style", options.get("style") or "apa")
    if render is not None and fmt == "translate":
        return render(keys, "translator", options.get("translator") or "biblatex")
    raise ReadingListError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
