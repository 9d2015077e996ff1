"""Output helpers: tables and JSON on stdout, messages and progress on stderr."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from readinglist.cli.term import terminal_size
from readinglist.records import PaperRow

if TYPE_CHECKING:
    from readinglist.records import Progress


def emit_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def message(text: str) -> None:
    print(text, file=sys.stderr)


def _clip(s: str, width: int) -> str:
    return s if len(s) <= width else s[: max(0, width - 1)] + "…"


def first_author(authors: Sequence[str]) -> str:
    if not authors:
        return ""
    return authors[0] + (" et al." if len(authors) > 2 else (f" & {authors[1]}" if len(authors) == 2 else ""))


def paper_table(rows: Sequence[PaperRow], extra: dict[int, str] | None = None) -> None:
    """A compact table that fits the terminal."""
    if not rows:
        message("no papers")
        return
    width = terminal_size((120, 20)).columns
    key_w = min(24, max(len(r.citekey or "") for r in rows))
    id_w = max(10, max(len(r.arxiv_id or "") for r in rows))
    fixed = id_w + key_w + 5 + 4 + 4 + 8
    title_w = max(20, width - fixed - 22)
    for r in rows:
        flags = ("S" if r.saved else "·") + ("*" if r.starred else "·") + ("P" if r.pdf else "·")
        line = (
            f"{(r.arxiv_id or '-'):<{id_w}}  {_clip(r.citekey or '', key_w):<{key_w}}  "
            f"{r.upvotes:>4}  {flags}  {r.status[:7]:<7} {_clip(r.title, title_w):<{title_w}}  "
            f"{_clip(first_author(r.authors), 20)}"
        )
        if extra and r.id in extra:
            line += f"  [{extra[r.id]}]"
        print(line.rstrip())


def paper_detail(r: PaperRow) -> None:
    print(r.title)
    print(", ".join(r.authors))
    bits = [
        b
        for b in (
            r.arxiv_id and f"arXiv:{r.arxiv_id}" + (f"v{r.version}" if r.version else ""),
            r.published and r.published.isoformat(),
            r.primary_category,
            r.doi,
        )
        if b
    ]
    print(" · ".join(bits))
    print(
        f"key: {r.citekey}   status: {r.status}   saved: {'yes' if r.saved else 'no'}   "
        f"starred: {'yes' if r.starred else 'no'}   upvotes: {r.upvotes}"
    )
    if r.tags:
        auto = set(r.auto_tags)
        print("tags: " + ", ".join(f"{t} (auto)" if t in auto else t for t in r.tags))
    if r.lists:
        print("lists: " + ", ".join(r.lists))
    if r.feed_dates:
        print("in the feed on: " + ", ".join(d.isoformat() for d in r.feed_dates))
    if r.pdf:
        print(f"pdf: {r.pdf}")
    for label, url in (("code", r.github_repo), ("project", r.project_page)):
        if url:
            print(f"{label}: {url}")
    if r.abstract:
        print()
        print(r.abstract)
    if r.note:
        print()
        print("note:")
        print(r.note.rstrip())


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        final = p.total is not None and p.done >= p.total
        if not final and now - self._last < (0.1 if self.tty else 2.0):
            return
        self._last = now
        text = p.message or self.label
        if p.total:
            frac = min(1.0, p.done / p.total)
            bar = "#" * int(frac * 24)
            text = f"{text} [{bar:<24}] {frac * 100:5.1f}%"
        if p.rate:
            text += f" {human_bytes(p.rate)}/s"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + text[: terminal_size((100, 20)).columns - 1])
            if final:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
