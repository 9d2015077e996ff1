"""How a paper's fields are stored: one column of ``papers`` per field of the same name.

The fields are declared once, on :class:`~readinglist.records.PaperMeta` (what a source knows)
and :class:`~readinglist.records.PaperRow` (plus the user's data). This module derives from
their type annotations how each column is read and written: tuples as JSON lists (categories
space-separated, as arXiv writes them), dates and datetimes as ISO text, flags as booleans.
A new field needs its column in the schema (and a migration), nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Callable
from typing import Any

from readinglist.records import PaperMeta, PaperRow
from readinglist.recordtype import fields
from readinglist.textutil import normalize_title

_SPACE_SEPARATED = frozenset({"categories"})
# Fields a source never writes: the identity (arXiv id) and the user's citation key.
_NOT_FROM_SOURCES = frozenset({"arxiv_id", "citekey"})
# PaperRow fields derived from other tables (every other field is a column of ``papers``; a test
# checks this against the schema, which is not imported here: it costs SQLAlchemy's start-up).
DERIVED_FIELDS = frozenset({"feed_dates", "tags", "auto_tags", "lists", "pdf"})

Decode = Callable[[Any], Any]
Encode = Callable[[Any], Any]


def _date(v: object) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _datetime(v: object) -> dt.datetime | None:
    if v is None or isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


def _json_list(v: object) -> tuple[Any, ...]:
    if not v:
        return ()
    if isinstance(v, str) and v.startswith('["') and v.endswith('"]') and "\\" not in v:
        # A list of strings as json.dumps writes it, no escapes: split where its items meet, a
        # quarter of json.loads's cost (an export reads 100k author lists). Each item has
        # exactly its two quotes, or the text is not of that form and JSON reads it.
        items = v[2:-2].split('", "')
        if v.count('"') == 2 * len(items):
            return tuple(items)
    return tuple(json.loads(v))  # type: ignore[arg-type]


def _json_any(v: object) -> Any:
    return json.loads(v) if isinstance(v, str) and v else v


def _codec(name: str, tp: Any) -> tuple[Decode, Encode]:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    optional = isinstance(tp, types.UnionType) and type(None) in typing.get_args(tp)
    base = args[0] if optional and len(args) == 1 else tp
    if typing.get_origin(base) is tuple and typing.get_args(base) in ((str, Ellipsis),):
        if name in _SPACE_SEPARATED:
            return (lambda v: tuple((v or "").split())), (lambda v: " ".join(v))
        return _json_list, (lambda v: json.dumps(list(v), ensure_ascii=False))
    if base is dt.datetime:
        return _datetime, (lambda v: v)
    if base is dt.date:
        return _date, (lambda v: v)
    if base is bool:
        return (lambda v: bool(v)), (lambda v: bool(v))
    if base in (int, str, float):
        if optional:
            return (lambda v: v), (lambda v: v if v not in ("",) else None)
        empty = base()
        return (lambda v: v if v is not None else empty), (lambda v: v if v is not None else empty)
    return _json_any, (lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True) if v is not None else None)


_HINTS = typing.get_type_hints(PaperRow)
CODECS: dict[str, tuple[Decode, Encode]] = {
    f.name: _codec(f.name, _HINTS[f.name]) for f in fields(PaperRow) if f.name not in DERIVED_FIELDS
}
ROW_COLUMNS: tuple[str, ...] = tuple(CODECS)  # the PaperRow fields that are columns, in field order
META_COLUMNS: tuple[str, ...] = (
    *(f.name for f in fields(PaperMeta) if f.name in CODECS and f.name not in _NOT_FROM_SOURCES),
    "title_norm",
)


# The PaperMeta fields (what an export needs), in field order: read by queries.metas.
META_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PaperMeta) if f.name in CODECS)
_META_DECODERS = tuple(CODECS[name][0] for name in META_FIELDS)


def decode_meta(values: tuple[Any, ...]) -> PaperMeta:
    """A PaperMeta from the values of ``SELECT <META_FIELDS> FROM papers``."""
    return PaperMeta(**{n: d(v) for n, d, v in zip(META_FIELDS, _META_DECODERS, values, strict=True)})


_META_ENCODERS = tuple((name, CODECS[name][1]) for name in META_COLUMNS if name != "title_norm")


def encode_meta(m: PaperMeta, *, title_norm: str | None = None) -> dict[str, Any]:
    """The database values of a source's metadata (empty values as None / ''); ``title_norm``
    when the caller has already normalized the title."""
    out = {name: encode(getattr(m, name)) for name, encode in _META_ENCODERS}
    if "doi" in out:
        out["doi"] = m.doi or None
    out["title_norm"] = normalize_title(m.title) if title_norm is None else title_norm
    return out
