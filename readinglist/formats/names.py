"""Author names between the library's display form ("Ludwig van Beethoven") and structured parts."""

from __future__ import annotations

from readinglist.bibtex.citekeys import is_organisation, split_name
from readinglist.bibtex.latex import clean_text


def name_parts(name: str) -> dict[str, str]:
    """CSL name parts of a display name; organisations and one-word names stay ``literal``."""
    name = clean_text(name)
    if not name:
        return {}
    if " " not in name.strip() or is_organisation(name):
        return {"literal": name}
    first, von, last, jr = split_name(name)
    out = {"family": last}
    if first:
        out["given"] = first
    if von:
        out["non-dropping-particle"] = von
    if jr:
        out["suffix"] = jr
    return out


def display_from_parts(parts: dict[str, object]) -> str:
    """A display name from CSL name parts (or RIS's "Last, First, Suffix")."""
    literal = parts.get("literal")
    if isinstance(literal, str) and literal.strip():
        return clean_text(literal)
    words = [
        str(parts.get(k) or "").strip()
        for k in ("given", "dropping-particle", "non-dropping-particle", "family")
    ]
    name = " ".join(w for w in words if w)
    suffix = str(parts.get("suffix") or "").strip()
    return clean_text(f"{name} {suffix}" if suffix else name)


def display_from_inverted(value: str) -> str:
    """``"Last, First"`` / ``"Last, First, Jr."`` (RIS) to ``"First Last Jr."``; other text as is."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) == 1:
        return clean_text(parts[0])
    last, first, *rest = parts
    return clean_text(" ".join(p for p in (first, last, *rest) if p))


def inverted(name: str) -> str:
    """``"First von Last Jr."`` to ``"von Last, First, Jr."`` as RIS wants it."""
    parts = name_parts(name)
    if "literal" in parts:
        return parts["literal"]
    last = " ".join(p for p in (parts.get("non-dropping-particle", ""), parts["family"]) if p)
    out = last + (f", {parts['given']}" if parts.get("given") else "")
    return out + (f", {parts['suffix']}" if parts.get("suffix") else "")
