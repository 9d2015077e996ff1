"""Citations: BibTeX export and import with stable keys, re-keying, and auto-exported .bib files."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select, text, update

from readinglist.db.schema import AutoExport, Paper, utcnow
from readinglist.errors import BibtexError, NotFoundError, ReadingListError
from readinglist.records import PaperMeta
from readinglist.services.exporting import (
    AutoExportInfo,
    aliases_in,
    autoexports,
    export_text,
    format_for_path,
    scope_ids,
    write_text_atomically,
)
from readinglist.services.library import Library
from readinglist.services.papers import keep
from readinglist.services.unit import Transaction

log = logging.getLogger(__name__)
SCOPES = ("saved", "tag", "list")


@dataclass
class ImportReport:
    added: list[int] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # "key: merged into otherkey" for each kept key


def bibtex_for(lib: Library, paper_ids: Sequence[int]) -> str:
    """BibTeX for these papers, sorted by key, deterministic (byte-identical when nothing changed)."""
    return export_text(lib, paper_ids, "bibtex")


def import_bib(lib: Library, path: Path) -> ImportReport:
    """Import a .bib file in one transaction: match, merge without overwriting, save the rest."""
    from readinglist.services.bib_helper import parse_bib_metas

    metas, found = parse_bib_metas(Path(path))  # a big file is decoded on two cores
    problems = [f"{Path(path).name}:{p.line}: {p.message}" for p in found]
    return import_entries(lib, metas, problems, label=f"Import {Path(path).name}")


def import_entries(
    lib: Library,
    metas: Sequence[PaperMeta],
    problems: Sequence[str] = (),
    *,
    label: str = "Import references",
) -> ImportReport:
    """Save parsed entries in one change: match, merge without overwriting, add the rest."""
    from readinglist.services import ingest

    report = ImportReport(problems=list(problems))
    if not metas:
        return report
    with lib.change(label) as tx:
        res = ingest.upsert_papers(
            tx, metas, make_key=lib.make_citekey, fill_only=True, user_defaults={"saved": True}
        )
        keep(tx, [pid for pid in res.ids if pid not in res.new])  # new papers come saved
        report.aliases = keep_keys(tx, metas, res.ids)
    for pid in dict.fromkeys(res.ids):  # in input order, each paper once
        (report.added if pid in res.new else report.merged).append(pid)
    return report


def import_file(lib: Library, path: Path) -> ImportReport:
    """Import a .bib, CSL-JSON (.json) or RIS (.ris) file; its problems name the file and line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".bib":
        return import_bib(lib, path)
    from readinglist.formats.csl import parse_csl_json
    from readinglist.formats.ris import parse_ris

    parse = {".json": parse_csl_json, ".ris": parse_ris}.get(suffix)
    if parse is None:
        raise ReadingListError(f"{path.name}: only .bib, .json (CSL-JSON) and .ris files hold references")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadingListError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    parsed = parse(text)
    problems = [f"{path.name}: {p}" for p in parsed.problems]
    return import_entries(lib, parsed.entries, problems, label=f"Import {path.name}")


def keep_keys(tx: Transaction, metas: Sequence[PaperMeta], ids: Sequence[int]) -> list[str]:
    """Every key a .bib asked for stays citable: a key that did not become its paper's key (the
    entry merged with another, or the key was taken) is kept as an alias of that paper, exported
    with it (``ids``), and said."""
    from readinglist.bibtex.source import with_aliases
    from readinglist.services.cited import remember_alias

    wanted = [(m.citekey, pid) for m, pid in zip(metas, ids, strict=True) if m.citekey]
    if not wanted:
        return []
    pids = sorted({pid for _, pid in wanted})
    current_keys: dict[int, str | None] = {}
    for i in range(0, len(pids), 5000):  # the keys alone: a paper's source is read only if it gets an alias
        marks = ",".join(str(int(p)) for p in pids[i : i + 5000])
        current_keys.update(
            (int(found), key)
            for found, key in tx.session.execute(
                text(f"SELECT id, citekey FROM papers WHERE id IN ({marks})")
            )
        )
    said: list[str] = []
    extra: dict[int, list[str]] = {}
    for key, pid in wanted:
        current = current_keys[pid] or ""
        if key.casefold() == current.casefold():
            continue
        remember_alias(tx, pid, key)
        if key not in extra.setdefault(pid, []):
            extra[pid].append(key)
            said.append(f"{key}: the same paper as {current}; {key} is kept as its alias")
    sources: dict[int, str | None] = {}
    if extra:
        query = select(Paper.id, Paper.bib_source).where(Paper.id.in_(sorted(extra)))
        sources = {int(pid): source for pid, source in tx.session.execute(query)}
    for pid, keys in extra.items():
        source = sources[pid]
        known = aliases_in(source)
        merged = [*known, *(k for k in keys if k.casefold() not in {a.casefold() for a in known})]
        tx.capture_papers([pid])
        tx.session.execute(
            update(Paper).where(Paper.id == pid).values(bib_source=with_aliases(source, merged))
        )
    return said


def rekey(lib: Library, paper_id: int, new_key: str | None = None) -> str:
    """Change a citation key, on request only: to ``new_key`` or to the pattern's key."""
    from readinglist.bibtex.citekeys import validate_citekey

    row = lib.get(paper_id)
    with lib.change(f"Change the key of {row.citekey or f'paper #{paper_id}'}") as tx:
        s = tx.session
        tx.capture_papers([paper_id])
        rows = s.execute(
            select(Paper.citekey).where(Paper.id != paper_id, Paper.citekey.is_not(None))
        ).scalars()
        others = {k.casefold() for k in rows if k is not None}
        if new_key is not None:
            key = validate_citekey(new_key)
            if key.casefold() in others:
                raise BibtexError(f"the key {key!r} is already used by another paper (keys ignore case)")
        else:
            assert row.meta is not None
            key = lib.make_citekey(row.meta, lambda k: k.casefold() in others)
        if row.citekey and row.citekey != key:
            from readinglist.services.cited import remember_alias

            remember_alias(tx, paper_id, row.citekey)
        s.execute(update(Paper).where(Paper.id == paper_id).values(citekey=key, modified_at=utcnow()))
    return key


# -- auto-export -------------------------------------------------------------------------------


def add_autoexport(
    lib: Library, path: Path | str, scope: str, value: str | None = None, fmt: str | None = None
) -> AutoExportInfo:
    if scope not in SCOPES:
        raise ReadingListError(f"scope must be one of {', '.join(SCOPES)}")
    if scope != "saved" and not value:
        raise ReadingListError(f"an auto-export of a {scope} needs its name")
    target = Path(path).expanduser().resolve()
    fmt = format_for_path(target, fmt)
    scope_ids(
        lib,
        tag=value if scope == "tag" else None,
        list_name=value if scope == "list" else None,
        saved=scope == "saved",
    )  # fmt: skip  (validates the tag or list exists)
    with lib.change(f"Auto-export {target.name}") as tx:
        old = tx.session.execute(select(AutoExport.id).where(AutoExport.path == str(target))).scalars().all()
        tx.capture("auto_exports", old)
        tx.session.execute(delete(AutoExport).where(AutoExport.path == str(target)))
        row = AutoExport(path=str(target), scope=scope, value=value if scope != "saved" else None, format=fmt)
        tx.session.add(row)
        tx.session.flush()
        tx.created("auto_exports", [row.id])
        tx.touched(settings=("auto_exports",))
    refresh_autoexports(lib)
    return next(a for a in autoexports(lib) if a.path == str(target))


def remove_autoexport(lib: Library, path: Path | str) -> None:
    target = str(Path(path).expanduser().resolve())
    with lib.change(f"Stop auto-exporting {Path(target).name}") as tx:
        old = tx.session.execute(select(AutoExport.id).where(AutoExport.path == target)).scalars().all()
        if not old:
            raise NotFoundError(f"{target} is not auto-exported")
        tx.capture("auto_exports", old)
        tx.session.execute(delete(AutoExport).where(AutoExport.path == target))
        tx.touched(settings=("auto_exports",))


def refresh_autoexports(lib: Library) -> list[str]:
    """Rewrite every registered .bib whose content changed. Returns the paths written.

    A failure on one file is recorded with that target and does not stop the others.
    """
    written = []
    for a in autoexports(lib):
        try:
            ids = scope_ids(lib, tag=a.value if a.scope == "tag" else None,
                            list_name=a.value if a.scope == "list" else None, saved=a.scope == "saved")  # fmt: skip
            content = export_text(lib, ids, a.format)
            changed = write_text_atomically(Path(a.path), content)
            error = None
        except ReadingListError as exc:
            changed, error = False, str(exc)
            log.warning("auto-export to %s failed: %s", a.path, exc)
        with lib.change("Record auto-export", undoable=False) as tx:
            s = tx.session
            values: dict[str, object] = {"last_error": error}
            if changed:
                values.update(
                    last_written=utcnow(), content_hash=hashlib.sha256(content.encode()).hexdigest()
                )
                written.append(a.path)
            s.execute(update(AutoExport).where(AutoExport.path == a.path).values(**values))
    return written
