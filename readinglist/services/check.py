"""Integrity check of the database and the PDF folder (``readinglist check``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from readinglist.services.library import Library


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # attachments whose file is gone
    changed: list[str] = field(default_factory=list)  # attachments whose size/hash changed
    stray: list[str] = field(default_factory=list)  # files in pdfs/ nothing refers to
    debris: list[str] = field(default_factory=list)  # half-written files a stopped run left

    @property
    def ok(self) -> bool:
        return not (self.problems or self.missing or self.changed or self.debris)


def check_database(lib: Library, report: CheckReport) -> None:
    with lib.read() as s:
        if lib.is_shared:  # the server checks its own pages; foreign keys are enforced there
            _check_counts(s, report)
            return
        res = s.execute(text("PRAGMA integrity_check")).scalars().all()
        if res != ["ok"]:
            report.problems.extend(f"database: {r}" for r in res[:20])
        fk = s.execute(text("PRAGMA foreign_key_check")).all()
        if fk:
            report.problems.append(f"database: {len(fk)} rows refer to rows that do not exist")
        for table in ("papers_fts", "pdf_fts"):
            try:
                s.execute(text(f"INSERT INTO {table}({table}) VALUES('integrity-check')"))
            except Exception as exc:  # FTS5 reports corruption as an error
                report.problems.append(f"search index {table}: {exc}")
        _check_counts(s, report)


def _check_counts(s: Session, report: CheckReport) -> None:
    n_papers = s.execute(text("SELECT count(*) FROM papers")).scalar_one()
    n_fts = s.execute(text("SELECT count(*) FROM papers_fts")).scalar_one()
    if n_papers != n_fts:
        report.problems.append(f"search index: {n_fts} rows for {n_papers} papers (run check --fix)")
    bad = s.execute(
        text("SELECT count(*) FROM papers WHERE status NOT IN ('unread','reading','read')")
    ).scalar_one()
    if bad:
        report.problems.append(f"database: {bad} papers with an unknown reading status")


def check_pdfs(lib: Library, report: CheckReport, *, deep: bool = True) -> None:
    """Missing and changed attachments, and stray files in ``pdfs/``."""
    from readinglist.pdf.fetch import sha256_file

    with lib.read() as s:
        rows = s.execute(text("SELECT id, path, size, sha256 FROM attachments")).all()
    known = set()
    for _aid, rel, size, digest in rows:
        path = lib.root / rel
        known.add(os.path.normcase(str(path.resolve())))
        if not path.is_file():
            report.missing.append(rel)
        elif path.stat().st_size != size or (deep and sha256_file(path) != digest):
            report.changed.append(rel)
    if lib.pdf_dir.is_dir():
        for p in sorted(lib.pdf_dir.rglob("*")):
            if p.is_file() and os.path.normcase(str(p.resolve())) not in known:
                report.stray.append(str(p.relative_to(lib.root)))


def check_debris(lib: Library, report: CheckReport) -> None:
    from readinglist.services.debris import find_debris

    found = find_debris(lib)
    report.debris.extend(str(p) for p in [*found.parts, *found.temps])


def run_check(lib: Library, *, fix: bool = False) -> CheckReport:
    report = CheckReport()
    check_database(lib, report)
    check_debris(lib, report)
    if fix and any(p.startswith("search index") for p in report.problems):
        with lib.change("Rebuild the search index", undoable=False) as tx:
            tx.rebuild_index()
        report.fixed.append("rebuilt the search index")
        report.problems = [p for p in report.problems if not p.startswith("search index")]
    check_pdfs(lib, report)
    if fix and report.missing:
        relink_moved(lib, report)
    return report


def relink_moved(lib: Library, report: CheckReport) -> None:
    """Find missing attachments among stray files by their hash and point the record at them."""
    from readinglist.pdf.fetch import sha256_file

    by_hash: dict[str, str] = {}
    for rel in report.stray:
        by_hash.setdefault(sha256_file(lib.root / rel), rel)
    with lib.change("Relink moved PDFs", undoable=False) as tx:
        s = tx.session
        for rel in list(report.missing):
            row = s.execute(text("SELECT id, sha256 FROM attachments WHERE path = :p"), {"p": rel}).one()
            new = by_hash.get(row.sha256)
            if new:
                s.execute(text("UPDATE attachments SET path = :n WHERE id = :i"), {"n": new, "i": row.id})
                report.missing.remove(rel)
                report.stray.remove(new)
                report.fixed.append(f"relinked {rel} -> {new}")
