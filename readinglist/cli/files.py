"""``download`` and ``import``: PDFs from arXiv, and local PDFs and .bib files."""

from __future__ import annotations

import argparse
from pathlib import Path

from readinglist.cli.output import ProgressBar, emit_json, human_bytes, message
from readinglist.cli.papers import add_format
from readinglist.errors import ReadingListError
from readinglist.records import PaperFilter, Progress
from readinglist.services.library import Library
from readinglist.textutil import plural


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("download", help="download arXiv PDFs, with progress")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--tag", action="append", default=[], help="papers with this tag")
    p.add_argument("--saved", action="store_true", help="every saved paper that lacks its PDF")
    p.add_argument("--jobs", type=int, default=3, help="parallel downloads (default 3, polite to arXiv)")
    add_format(p)
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("import", help="import .bib files or PDFs (copied into the library)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_format(p)
    p.set_defaults(func=cmd_import, early=start_import)


class _MultiProgress:
    """One stderr line per finished file, and a running total of bytes."""

    def __init__(self, lib: Library, ids: list[int]) -> None:
        self.bar = ProgressBar("downloading")
        self.state: dict[int, Progress] = {}
        self.n = len(ids)

    def __call__(self, pid: int, p: Progress) -> None:
        self.state[pid] = p
        done = sum(s.done for s in self.state.values())
        total = sum(s.total or 0 for s in self.state.values()) or None
        rate = sum(s.rate or 0 for s in self.state.values()) or None
        self.bar(Progress(done, total if total and total >= done else None,
                          f"downloading {len(self.state)}/{self.n} ({human_bytes(done)})", rate))  # fmt: skip


def cmd_download(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.attachments import current_attachment
    from readinglist.services.downloads import download_papers

    ids = lib.resolve_many(args.ids)
    for tag in args.tag:
        ids += lib.paper_ids(PaperFilter(tags=(tag,), dismissed=None))
    if args.saved:
        ids += lib.paper_ids(PaperFilter(saved=True, has_pdf=False))
    if not (args.ids or args.tag or args.saved):
        raise ReadingListError("say what to download: paper ids, --tag TAG or --saved")
    ids = list(dict.fromkeys(ids))
    todo = [pid for pid in ids if current_attachment(lib, pid) is None]
    if len(todo) < len(ids):
        message(f"{plural(len(ids) - len(todo), 'paper')} already have their PDF")
    results = download_papers(lib, todo, progress=_MultiProgress(lib, todo), concurrency=max(1, args.jobs))
    failed = [r for r in results if r.error]
    rows = {r.id: r for r in lib.get_many(ids)}
    if args.format == "json":
        emit_json([{"arxiv_id": rows[r.paper_id].arxiv_id, "pdf": r.path, "error": r.error} for r in results])
    for r in results:
        row = rows.get(r.paper_id)
        label = (row.citekey or row.arxiv_id) if row else f"#{r.paper_id}"
        message(f"{label}: {'error: ' + r.error if r.error else r.path}")
    return 1 if failed else 0


# A big import lists a few papers and counts the rest: ten thousand lines would scroll its
# problems (said last) out of sight. ``--format json`` lists every paper.
LISTED_IN_FULL = 50
LISTED_OF_MORE = 20


def _shown(ids: list[int]) -> list[int]:
    return ids if len(ids) <= LISTED_IN_FULL else ids[:LISTED_OF_MORE]


def _say_more(ids: list[int], what: str) -> None:
    if len(ids) > LISTED_IN_FULL:
        message(
            f"… and {len(ids) - LISTED_OF_MORE:,} more {what} ({len(ids):,} in all; --format json lists them)"
        )


def start_import(args: argparse.Namespace) -> None:
    """Before the library opens: the first big .bib named gets its second process now (see
    ``services/bib_helper.py``), so that its start overlaps the day's backup."""
    first = next((Path(f) for f in args.files if Path(f).suffix.lower() == ".bib"), None)
    if first is not None:
        from readinglist.services.bib_helper import start_early

        start_early(first)


def cmd_import(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.importer import import_files

    report = import_files(lib, args.files, progress=ProgressBar("import"))
    if args.format == "json":
        emit_json({"added": [r.to_json() for r in lib.get_many(report.added)],
                   "merged": [r.to_json() for r in lib.get_many(report.merged)], "problems": report.problems,
                   "aliases": report.aliases})  # fmt: skip
    for r in lib.get_many(_shown(report.added)):
        message(
            f"added {r.citekey}: {r.title}"
            + ("  (please review: identified from the PDF only)" if r.needs_review else "")
        )
    _say_more(report.added, "added")
    for r in lib.get_many(_shown(report.merged)):
        message(f"merged into {r.citekey}: {r.title}")
    _say_more(report.merged, "merged")
    for a in report.aliases:
        message(f"kept key {a}")
    for p in report.problems:
        message(f"problem: {p}")
    return 1 if report.problems and not (report.added or report.merged) else 0
