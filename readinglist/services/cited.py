"""Exactly what a document cites: its keys resolved to library papers, with a suggestion for
every key the library does not have (a key renamed since, or a near miss)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.db.raw import text
from readinglist.errors import ReadingListError
from readinglist.formats.cited import Cited, keys_from_aux, keys_from_markdown, keys_from_tex
from readinglist.services.exporting import ALIAS_SOURCE
from readinglist.services.library import Library

if TYPE_CHECKING:  # the ORM loads for a change only: ``cited-in`` and the citation server read raw
    from readinglist.services.unit import Transaction


@dataclass(frozen=True)
class MissingKey:
    key: str
    suggestion: str | None = None  # the key to use instead, when one is likely
    reason: str = ""  # "renamed" | "similar" | ""


@dataclass(frozen=True)
class CitedPapers:
    ids: tuple[int, ...]  # library papers, in first-cited order
    missing: tuple[MissingKey, ...]
    files: tuple[Path, ...]
    problems: tuple[str, ...]


def read_cited(aux: Path | None = None, tex: Path | None = None, md: Path | None = None) -> Cited:
    """The keys of one document, from whichever of the three was given."""
    given = [(p, fn) for p, fn in ((aux, keys_from_aux), (tex, keys_from_tex), (md, keys_from_markdown)) if p]
    if len(given) != 1:
        raise ReadingListError("give one document: --aux FILE, --tex FILE or --md FILE")
    path, fn = given[0]
    return fn(Path(path).expanduser())


def resolve_keys(lib: Library, keys: Sequence[str]) -> tuple[list[int], list[MissingKey]]:
    """Library ids of ``keys`` (in order) and the keys it lacks, each with a suggestion if any."""
    with lib._reads() as s:
        keyed = s.execute(text("SELECT id, citekey FROM papers WHERE citekey IS NOT NULL"))
        current: dict[int, str] = {int(pid): str(key) for pid, key in keyed if key}
        links = s.execute(
            text("SELECT key, paper_id FROM import_links WHERE source = :s"), {"s": ALIAS_SOURCE}
        )
        aliases: dict[str, int] = {str(old): int(pid) for old, pid in links}
    by_key = {k.casefold(): pid for pid, k in current.items()}
    ids: list[int] = []
    missing: list[MissingKey] = []
    all_keys = sorted(current.values())
    folded = {k.casefold(): k for k in all_keys}
    for key in keys:
        pid = by_key.get(key.casefold())
        if pid is not None:
            if pid not in ids:
                ids.append(pid)
            continue
        alias = aliases.get(key.casefold())
        if alias is not None and alias in current:
            if alias not in ids:  # exported with ``ids = {key}``, so biblatex finds it
                ids.append(alias)
            missing.append(MissingKey(key, current[alias], "renamed"))
            continue
        close = difflib.get_close_matches(key.casefold(), list(folded), n=1, cutoff=0.75)
        missing.append(MissingKey(key, folded[close[0]], "similar") if close else MissingKey(key))
    return ids, missing


def cited_papers(lib: Library, cited: Cited) -> CitedPapers:
    """Resolve what a document cites; ``\\nocite{*}`` is reported, never expanded silently."""
    ids, missing = resolve_keys(lib, cited.keys)
    problems = list(cited.problems)
    if cited.all_cited:
        problems.append("the document has \\nocite{*} (cite everything); only its named keys are exported")
    return CitedPapers(tuple(ids), tuple(missing), tuple(cited.files), tuple(problems))


def remember_alias(tx: Transaction, paper_id: int, old_key: str | None) -> None:
    """Keep a paper's previous key so documents that still cite it get a 'renamed' suggestion."""
    if not old_key:
        return
    from readinglist.db.schema import ImportLink

    key = old_key.casefold()
    link = tx.session.get(ImportLink, (ALIAS_SOURCE, key))
    if link is None:
        tx.session.add(ImportLink(source=ALIAS_SOURCE, key=key, kind="citekey", paper_id=paper_id))
        tx.session.flush()
        tx.created("import_links", [key], by="key")
    else:
        tx.capture("import_links", [key], by="key")
        link.paper_id = paper_id


def describe_missing(m: MissingKey) -> str:
    if m.reason == "renamed":
        return f"{m.key}: not in the library; the paper was rekeyed to {m.suggestion}"
    if m.suggestion:
        return f"{m.key}: not in the library; did you mean {m.suggestion}?"
    return f"{m.key}: not in the library"
