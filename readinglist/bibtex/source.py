"""A .bib entry kept verbatim, so an export gives back every field, name and type it had.

At import the entry's own fields (macros resolved, delimiters removed, TeX kept) are stored with a
snapshot of the metadata derived from them. A long value (an abstract) is snapshotted as a digest
of its text: the snapshot only ever answers "has this changed?", and a second copy of every
abstract was 7% of a library imported from .bib. At export, a field whose metadata is unchanged
since is written as it came; a field whose metadata changed (the user edited it, a sync filled
it) is written from the metadata. Unknown fields (``howpublished``, ``note``, ``editor``, ``isbn`` …)
always come back as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence

from readinglist.records import PaperMeta

# Which metadata each BibTeX field feeds (fields not named here are kept verbatim, always).
FIELD_ATTRS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "author": ("authors",),
    "journal": ("journal",),
    "journaltitle": ("journal",),
    "booktitle": ("booktitle",),
    "volume": ("volume",),
    "number": ("number",),
    "pages": ("pages",),
    "publisher": ("publisher",),
    "institution": ("publisher",),
    "school": ("publisher",),
    "year": ("year",),
    "month": ("month",),
    "date": ("year", "month", "published"),
    "doi": ("doi",),
    "url": ("url",),
    "eprint": ("arxiv_id",),
    "arxivid": ("arxiv_id",),
    "archiveprefix": ("arxiv_id",),
    "primaryclass": ("primary_category",),
    "eprintclass": ("primary_category",),
    "abstract": ("abstract",),
}
_SNAPSHOT = (*sorted({a for attrs in FIELD_ATTRS.values() for a in attrs}), "entry_type")
_MONTH_MACROS = {
    name: name[:3].lower()
    for name in ("January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December")
}  # fmt: skip


def _plain(v: object) -> object:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    return v


LONG = 64  # a snapshotted text longer than this is kept as its digest


def snapshot(meta: PaperMeta | Mapping[str, object]) -> dict[str, object]:
    """The metadata an entry's kept fields were read as (of a record, or of the keyword
    arguments that make one: the reader builds the record once, with its source)."""
    if isinstance(meta, Mapping):
        return {a: _plain(meta[a]) for a in _SNAPSHOT}
    return {a: _plain(getattr(meta, a)) for a in _SNAPSHOT}


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def make_source(kind: str, fields: Sequence[tuple[str, str]], meta: PaperMeta | Mapping[str, object]) -> str:
    """The JSON stored in ``papers.bib_source`` for one imported entry: its type, its fields,
    and the snapshot, long texts in ``digests`` instead of ``meta``."""
    snap = snapshot(meta)
    digests = {a: digest(v) for a, v in snap.items() if isinstance(v, str) and len(v) > LONG}
    for a in digests:
        del snap[a]
    record: dict[str, object] = {"type": kind, "fields": [list(f) for f in fields], "meta": snap}
    if digests:
        record["digests"] = digests
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def _changed(now: dict[str, object], then: Mapping[str, object], digests: Mapping[str, object]) -> set[str]:
    """The snapshotted attributes whose value differs now (sources written before digests
    hold every value in ``then``)."""
    out = set()
    for a in _SNAPSHOT:
        value = now.get(a)
        if a in digests:
            if not isinstance(value, str) or digest(value) != digests[a]:
                out.add(a)
        elif value != then.get(a):
            out.add(a)
    return out


def raw_value(name: str, raw: str) -> str:
    """A kept field as it goes back into a .bib: braced, or the month macro it came from."""
    if name == "month" and raw.strip() in _MONTH_MACROS:
        return _MONTH_MACROS[raw.strip()]
    return "{" + raw + "}"


def preserved(
    meta: PaperMeta, kind: str, generated: Sequence[tuple[str, str]], derived: frozenset[str]
) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and fields to write for a paper imported from a .bib.

    ``generated`` are the writer's own ``(field, value)`` from the metadata; ``derived`` names
    those it made up rather than read (an arXiv DOI or URL). Kept fields come first, in their
    original order; a generated field is added when its metadata changed since the import, or
    when no kept field covers it (inherited through a crossref, say) and it is not made up.
    """
    assert meta.bib_source is not None
    try:
        record = json.loads(meta.bib_source)
        ids = _ids_field([str(a) for a in record.get("aliases", ())])
        if "fields" not in record:
            return kind, [*generated, *ids]
        kept = [(str(n), str(v)) for n, v in record["fields"]]
        then: dict[str, object] = record["meta"]
        digests: dict[str, object] = record.get("digests", {})
        if not isinstance(digests, dict):
            raise TypeError("digests")
        kind_then = str(record["type"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return kind, list(generated)
    # An arXiv id read from another field (a journal "arXiv preprint arXiv:…", a note) is derived too.
    derived = derived | {"eprint", "archiveprefix", "primaryclass"}
    changed = _changed(snapshot(meta), then, digests)
    out: list[tuple[str, str]] = []
    covered: set[str] = set()
    for name, raw in kept:
        attrs = FIELD_ATTRS.get(name, ())
        covered.update(attrs)
        if attrs and changed.intersection(attrs):
            continue
        out.append((name, raw_value(name, raw)))
    present = {n for n, _ in out}
    for name, value in generated:
        if name in present:
            continue
        attrs = FIELD_ATTRS.get(name, ())
        if changed.intersection(attrs) or (not covered.intersection(attrs) and name not in derived):
            out.append((name, value))
            present.add(name)
    if ids and "ids" not in present:
        out.extend(ids)
    return (kind if "entry_type" in changed else kind_then), out


def _ids_field(aliases: Sequence[str]) -> list[tuple[str, str]]:
    """biblatex's ``ids`` field: the other keys documents may cite this paper by."""
    return [("ids", "{" + ", ".join(sorted(set(aliases), key=str.casefold)) + "}")] if aliases else []


def with_aliases(bib_source: str | None, aliases: Sequence[str]) -> str | None:
    """``bib_source`` with the paper's other keys added (what :func:`preserved` writes as ``ids``)."""
    if not aliases:
        return bib_source
    try:
        record = json.loads(bib_source) if bib_source else {}
    except ValueError:
        record = {}
    record["aliases"] = list(aliases)
    return json.dumps(record, ensure_ascii=False, sort_keys=True)
