"""Exports: what a scope covers and its text in an export format, streamed page by page.

Kept apart from :mod:`readinglist.services.citations` (which re-exports these names) so that
``readinglist export`` loads no SQLAlchemy: it only reads, on the stdlib connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist import fileutil
from readinglist.db import queries
from readinglist.db.raw import Reads, text
from readinglist.errors import BibtexError, NotFoundError, ReadingListError, StorageError
from readinglist.fileutil import source_version, write_atomically
from readinglist.records import PaperFilter, PaperMeta
from readinglist.recordtype import record, replace

if TYPE_CHECKING:
    from readinglist.services.export_helper import ExportHelper
    from readinglist.services.library import Library

HEADER = "% Exported by readinglist\n"  # bibtex.writer.HEADER (a test keeps them equal)
_BIBTEX_DIR = Path(__file__).resolve().parents[1] / "bibtex"
_WRITER_MODULES = ("writer.py", "latex.py", "citekeys.py", "source.py")  # what entry_for runs
_WRITER_VERSION: str | None = None
NOT_CITABLE = frozenset({"note"})  # standalone notes (from Zotero) are library entries, not references
LEFT_OUT = tuple(sorted(NOT_CITABLE))
PAGE = 1000  # entries held at once while writing an export
KEEP_BATCH = 20_000  # freshly rendered entries stored in one transaction
AT_ONCE_MAX = 20_000  # kept entries an export may read in one pass (about 30 MB with abstracts)
# A cold export (its first page had to be rendered) whose other pages would take this long here,
# judged by the first, gets a second process rendering most of them (services/export_helper.py):
# 100k feed papers 1.9 -> 1.3 s. Entries imported from a .bib take six times as long each.
HELPER_MIN_PAGES = 6  # the helper takes three pages of every five from the fifth on
HELPER_MIN_S = 0.2  # a helper takes about 0.15 s to start
ReadsFrom = Callable[[], AbstractContextManager[Reads]]


def citable(lib: Library, papers: Sequence[int] | PaperFilter) -> list[tuple[str, int]]:
    """``(citekey, id)`` of the citable papers among these ids, or matching this scope, in
    export order (standalone notes are left out)."""
    from readinglist.bibtex.order import key_order

    found: list[tuple[int, str | None]] = []
    with lib._reads() as s:
        if isinstance(papers, PaperFilter):
            found = queries.export_keys(s, papers, LEFT_OUT)
        else:
            ids = [int(i) for i in papers]
            for i in range(0, len(ids), 20_000):
                marks = ",".join(map(str, ids[i : i + 20_000]))
                rows = s.execute(text(f"SELECT id, citekey, entry_type FROM papers WHERE id IN ({marks})"))
                found.extend((pid, key) for pid, key, kind in rows if kind not in NOT_CITABLE)
    out = [(key or f"paper{pid}", pid) for pid, key in found]
    out.sort(key=lambda item: key_order(item[0]))
    return out


ALIAS_SOURCE = "citekey-alias"  # import_links rows: an old key (casefolded) -> the paper now


def _alias_links(reads: ReadsFrom, ids: Sequence[int]) -> dict[int, list[str]]:
    """The other keys each of these papers was known by (renamed, merged), from the alias links."""
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    marks = ",".join(str(int(i)) for i in ids)
    sql = f"SELECT paper_id, key FROM import_links WHERE source = :s AND paper_id IN ({marks}) ORDER BY key"
    with reads() as s:
        for pid, key in s.execute(text(sql), {"s": ALIAS_SOURCE}):
            out.setdefault(int(pid), []).append(str(key))
    return out


def aliases_in(source: str | None) -> list[str]:
    """The other keys a paper's kept .bib entry already names (its ``ids``)."""
    import json

    try:
        return [str(a) for a in json.loads(source).get("aliases", ())] if source else []
    except (ValueError, AttributeError):
        return []


def _with_aliases(key: str, meta: PaperMeta, links: list[str]) -> PaperMeta:
    """A merged or renamed paper stays citable by its old keys: they go out as ``ids``."""
    if not links:
        return meta  # its kept entry names its aliases already, if any (reading them costs a parse)
    kept = aliases_in(meta.bib_source)
    folded = {k.casefold() for k in kept} | {key.casefold()}
    more = [a for a in links if a.casefold() not in folded]
    if not more:
        return meta
    from readinglist.bibtex.source import with_aliases

    return replace(meta, bib_source=with_aliases(meta.bib_source, [*kept, *more]))


def entries_for(lib: Library, paper_ids: Sequence[int]) -> list[tuple[str, PaperMeta]]:
    """``(citekey, meta)`` of these papers in the order given, leaving out what cannot be cited
    (standalone notes)."""
    ids = list(paper_ids)
    out: list[tuple[str, PaperMeta]] = []
    for i in range(0, len(ids), PAGE):
        rows = [r for r in lib.get_many(ids[i : i + PAGE]) if (r.entry_type or "") not in NOT_CITABLE]
        links = _alias_links(lib._reads, [r.id for r in rows])
        for r in rows:
            key = r.citekey or f"paper{r.id}"
            out.append((key, _with_aliases(key, r.meta, links.get(r.id, []))))
    return out


@record
class AutoExportInfo:
    path: str
    scope: str
    value: str | None
    last_written: str | None
    last_error: str | None
    format: str = "bibtex"


def autoexports(lib: Library) -> list[AutoExportInfo]:
    """The files kept in sync with a scope, by path: a raw read (``autoexport list`` and the check
    after every change load no ORM for it)."""
    with lib._reads() as s:
        return [AutoExportInfo(*row) for row in queries.auto_exports(s)]


def formatted_citation(lib: Library, paper_ids: Sequence[int], style: str = "apa") -> str:
    """The papers' references rendered in a citation style (APA, IEEE, ACM), one per line.
    Here, not with the changes in ``services.citations``: ``readinglist cite`` loads no ORM."""
    from readinglist.formats.cite import format_citation

    return format_citation(entries_for(lib, paper_ids), style)


def export_text(lib: Library, paper_ids: Sequence[int] | PaperFilter, fmt: str = "bibtex") -> str:
    """These papers in an export format (:data:`readinglist.formats.FORMATS`), deterministic.

    The text of :func:`export_chunks` in one string; a file is better written with
    :func:`write_export`, which never holds the whole text.
    """
    out = bytearray()  # UTF-8 while it grows: a str of one non-Latin-1 letter takes 2 bytes a letter
    for chunk in export_chunks(lib, paper_ids, fmt):
        out += chunk
    return out.decode("utf-8")


def export_chunks(
    lib: Library,
    paper_ids: Sequence[int] | PaperFilter,
    fmt: str = "bibtex",
    *,
    keys: list[tuple[str, int]] | None = None,
) -> Iterator[bytes]:
    """These papers in an export format, as pieces of UTF-8 to be written one after another.

    A BibTeX entry is rendered once and kept (``rendered_entries``) until its paper changes or
    the writer does, so a BibTeX export is mostly a concatenation, :data:`PAGE` entries at a
    time; the rest are rendered from pages of rows holding only the fields BibTeX writes (the
    whole library is never held as records, nor as text). Kept entries come from SQLite as
    bytes and are written as they come (no decoding and encoding 15 MB for a 10k-paper export
    with abstracts). Other formats render the list.
    """
    from readinglist.formats import check_format

    check_format(fmt)
    if keys is None:
        keys = citable(lib, paper_ids)
    if fmt != "bibtex":
        from readinglist.formats import render

        yield render(fmt, entries_for(lib, [pid for _, pid in keys])).encode("utf-8")
        return
    from readinglist.bibtex.order import check_unique_keys

    check_unique_keys(key for key, _ in keys)
    version = writer_version()
    seen = lib.data_version()  # None: nothing is kept (a server library, or inside a change)
    kept = lib._raw is not None
    ahead = _kept_at_once(lib._reads, len(keys), version) if kept else None
    fresh: dict[int, str] = {}
    helped: dict[int, str] = {}  # rendered by the helper, kept only while nothing was committed
    trust_helper = seen is not None
    helper: ExportHelper | None = None
    pages = [keys[i : i + PAGE] for i in range(0, len(keys), PAGE)]
    yield (HEADER + "\n").encode("utf-8")
    try:
        for n, page in enumerate(pages):
            ids = [pid for _, pid in page]
            got = helper.take(n) if helper is not None else None
            if got is not None:
                texts, new = got
                if trust_helper:
                    helped.update((pid, texts[pid].decode("utf-8")) for pid in new)
            else:
                started = time.perf_counter()
                texts, rendered = page_entries(lib._reads, page, version, kept=kept, ahead=ahead)
                if seen is not None:
                    fresh.update(rendered)
                if (
                    n == 0
                    and 2 * len(rendered) > len(page)
                    and len(pages) > HELPER_MIN_PAGES
                    and (len(pages) - 1) * (time.perf_counter() - started) > HELPER_MIN_S
                    and seen is not None
                ):
                    helper = _start_helper(lib, version, pages)
            if seen is not None and len(fresh) + len(helped) >= KEEP_BATCH:
                _keep(lib, {**fresh, **helped}, version, seen)  # not kept if anything was committed
                fresh, helped, now = {}, {}, lib.data_version()
                if now != seen:  # pages read from here on are newer; the helper's may be older
                    trust_helper = False
                seen = now
            body = b"\n".join([t for t in map(texts.get, ids) if t is not None])
            yield (b"\n" + body) if n else body
    finally:
        if helper is not None:
            helper.close()
    if seen is not None and (fresh or helped):
        _keep(lib, {**fresh, **helped}, version, seen)


def _start_helper(lib: Library, version: str, pages: list[list[tuple[str, int]]]) -> ExportHelper | None:
    """A helper rendering three pages of every five from the fifth on (the first four are
    rendered here while it starts; this process also writes the file and keeps the entries), or
    None when it cannot start."""
    from readinglist.services.export_helper import ExportHelper

    assert lib._raw is not None
    theirs = [n for n in range(4, len(pages)) if n % 5 in (0, 2, 3)]
    return ExportHelper.start(lib.db_path, lib._raw.uri_flags, version, pages, theirs)


# Of a paper, what BibTeX writes (the writer's BibRecord without the two it leaves empty).
_RECORD_FIELDS = (
    "title", "authors", "arxiv_id", "published", "primary_category", "doi", "entry_type", "journal",
    "booktitle", "volume", "number", "pages", "publisher", "year", "month", "url", "bib_source",
)  # fmt: skip


def page_entries(
    reads: ReadsFrom,
    page: Sequence[tuple[str, int]],
    version: str,
    *,
    kept: bool = True,
    ahead: dict[int, bytes] | None = None,
) -> tuple[dict[int, bytes], dict[int, str]]:
    """One page of a BibTeX export: each entry by id as UTF-8, the kept ones as they were kept
    (none when ``kept`` is False: a server library keeps nothing), the others rendered now; and
    those rendered now, as text, to be kept. Papers gone are left out. ``ahead`` holds the kept
    entries read for the whole export at once (see :func:`_kept_at_once`): this page's are
    taken from it (and dropped there, so it shrinks as the file grows)."""
    if ahead is not None:
        texts = {pid: t for pid, t in ((pid, ahead.pop(pid, None)) for _, pid in page) if t is not None}
    elif kept:
        texts = cached_entries(reads, [pid for _, pid in page], version)
    else:
        texts = {}
    missing = [(key, pid) for key, pid in page if pid not in texts]
    rendered = render_with(reads, missing) if missing else {}
    texts.update((pid, t.encode("utf-8")) for pid, t in rendered.items())
    return texts, rendered


def render_entries(lib: Library, keys: Sequence[tuple[str, int]]) -> dict[int, str]:
    """The BibTeX entry of each of these ``(citekey, id)``, by id (papers gone are left out).

    A paper with a kept .bib entry or old keys is rendered from its full metadata, as
    :func:`entries_for` gives it; every other paper from a :class:`BibRecord` of the few
    columns BibTeX writes.
    """
    return render_with(lib._reads, keys)


def render_with(reads: ReadsFrom, keys: Sequence[tuple[str, int]]) -> dict[int, str]:
    """:func:`render_entries` on reads from ``reads`` (the export helper has no Library)."""
    from readinglist.bibtex.writer import BibRecord, entry_for

    ids = [pid for _, pid in keys]
    with reads() as s:
        rows = queries.export_rows(s, ids, _RECORD_FIELDS)
    links = _alias_links(reads, ids)
    full = [pid for pid, row in rows.items() if row[-1] is not None or pid in links]
    metas: dict[int, PaperMeta] = {}
    if full:
        with reads() as s:
            metas = queries.metas(s, full)
    out: dict[int, str] = {}
    for key, pid in keys:
        row = rows.get(pid)
        if row is None:
            continue
        if row[-1] is not None or pid in links:
            meta = metas.get(pid)
            if meta is not None:
                out[pid] = entry_for(key, _with_aliases(key, meta, links.get(pid, [])))
        else:
            out[pid] = entry_for(key, BibRecord._make((*row[:-1], "", None)))  # no abstract, no source
    return out


def write_export(
    lib: Library,
    paper_ids: Sequence[int] | PaperFilter,
    path: Path,
    fmt: str = "bibtex",
    *,
    keys: list[tuple[str, int]] | None = None,
) -> bool:
    """Write these papers' export to ``path`` atomically, streamed (the text is never whole in
    memory), and only if it differs from the file there. Returns whether the file was written."""
    return write_chunks_atomically(path, export_chunks(lib, paper_ids, fmt, keys=keys))


def writer_version() -> str:
    """Names the code that renders a BibTeX entry (two checksums and the length of its modules'
    source): a changed writer never serves entries rendered by the old one."""
    global _WRITER_VERSION
    if _WRITER_VERSION is None:
        _WRITER_VERSION = source_version(_BIBTEX_DIR / name for name in _WRITER_MODULES)  # fits VARCHAR(40)
    return _WRITER_VERSION


def cached_entries(reads: ReadsFrom, ids: list[int], version: str) -> dict[int, bytes]:
    """The kept entries of these papers, as UTF-8 (SQLite hands a BLOB over without decoding)."""
    out: dict[int, bytes] = {}
    with reads() as s:
        for i in range(0, len(ids), 20_000):
            marks = ",".join(map(str, ids[i : i + 20_000]))
            sql = (
                "SELECT paper_id, CAST(text AS BLOB) FROM rendered_entries WHERE fmt = 'bibtex' "
                f"AND version = :v AND paper_id IN ({marks})"
            )
            out.update(s.execute(text(sql), {"v": version}))
    return out


def _kept_at_once(reads: ReadsFrom, n: int, version: str) -> dict[int, bytes] | None:
    """Every kept entry, by id, read in one pass over the table, for an export of ``n`` papers
    of more than a page whose kept entries are few enough to hold (:data:`AT_ONCE_MAX`) and
    mostly its own; None otherwise (its pages then read their own). One pass in storage order
    reads each page of the table once, where pages of ids in key order come back to the same
    pages: 10k entries with abstracts (15 MB) in 10-12 ms instead of 18-20."""
    if n <= PAGE:
        return None
    with reads() as s:
        count = int(s.execute(text("SELECT count(*) FROM rendered_entries")).scalar())
        if count > min(AT_ONCE_MAX, 2 * n):
            return None
        sql = (
            "SELECT paper_id, CAST(text AS BLOB) FROM rendered_entries WHERE fmt = 'bibtex' AND version = :v"
        )
        return dict(s.execute(text(sql), {"v": version}))


def _keep(lib: Library, fresh: dict[int, str], version: str, seen: int) -> None:
    """Store freshly rendered entries, unless anything was committed since they were read (an
    entry is only kept if it matches its paper as it is now). On the stdlib connection, not
    through the unit of work: a cache is not a change of the library, and a cold export of 100k
    papers then loads no SQLAlchemy (0.3 s of imports). A server library keeps nothing."""
    if lib._raw is None:
        return
    rows = [(pid, version, fresh[pid]) for pid in sorted(fresh)]  # in primary-key order: a fifth faster
    sql = "INSERT OR REPLACE INTO rendered_entries(paper_id, fmt, version, text) VALUES (?, 'bibtex', ?, ?)"
    try:
        kept = lib._raw.keep_derived(sql, rows, seen)
    except StorageError:  # closed meanwhile
        kept = False
    if not kept:
        import logging  # only to say so: an export that keeps its entries loads no logging (5 ms)

        logging.getLogger(__name__).info(
            "rendered entries not kept: the library changed meanwhile, or cannot be written"
        )


def scope_ids(
    lib: Library, *, ids: Sequence[int] = (), tag: str | None = None, list_name: str | None = None,
    saved: bool = False,
) -> list[int]:  # fmt: skip
    """The papers an export covers: explicit ids, a tag, a reading list, or the saved library."""
    if ids:
        return list(ids)
    return lib.paper_ids(scope_filter(lib, tag=tag, list_name=list_name, saved=saved))


def scope_filter(
    lib: Library, *, tag: str | None = None, list_name: str | None = None, saved: bool = False
) -> PaperFilter:
    """The papers of a tag, a reading list, or the saved library, as a filter (an unknown tag or
    list is an error, not an empty export)."""
    if tag:
        if tag.casefold() not in {t.name.casefold() for t in lib.tags()}:
            raise NotFoundError(f"no tag named {tag!r}")
        return PaperFilter(tags=(tag,), dismissed=None)
    if list_name:
        if list_name.casefold() not in {rl.name.casefold() for rl in lib.reading_lists()}:
            raise NotFoundError(f"no reading list named {list_name!r}")
        return PaperFilter(list_name=list_name, dismissed=None)
    if saved:
        return PaperFilter(saved=True)
    raise ReadingListError("say what to export: paper ids, --tag, --list, or --saved")


def write_text_atomically(path: Path, content: str) -> bool:
    """Write a .bib atomically, and only when its content changes. Returns False when unchanged."""
    return write_atomically(path, content, only_if_changed=True, error=BibtexError)


def write_chunks_atomically(path: Path, chunks: Iterable[bytes]) -> bool:
    """Like :func:`write_text_atomically` for UTF-8 that comes in pieces, streamed (see
    :func:`readinglist.fileutil.write_chunks_atomically`). Returns False when unchanged."""
    return fileutil.write_chunks_atomically(path, chunks, only_if_changed=True, error=BibtexError)


def format_for_path(path: Path, fmt: str | None) -> str:
    """The export format for a file: the one asked for (checked against the suffix), or the
    suffix's (.bib BibTeX, .json CSL-JSON, .ris RIS)."""
    from readinglist.formats import SUFFIXES, check_format

    suffix = path.suffix.lower()
    if fmt is None:
        fmt = {".bib": "bibtex", ".json": "csl-json", ".ris": "ris"}.get(suffix)
        if fmt is None:
            raise BibtexError(f"{path} ends in neither .bib, .json nor .ris; say which --format to write")
    check_format(fmt)
    if suffix != SUFFIXES[fmt]:
        raise BibtexError(f"{path.name}: a {fmt} file should end in {SUFFIXES[fmt]}")
    return fmt
