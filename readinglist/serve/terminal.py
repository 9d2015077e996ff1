"""A citation picker in the terminal, for ``readinglist serve`` run without the app."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from readinglist.services.library import Library


def terminal_picker(
    lib: Library, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> Callable[[], Sequence[str] | None]:
    """Ask on the terminal: type words to search, then the numbers of the papers to cite."""
    inp, out = stdin or sys.stdin, stdout or sys.stderr

    def pick() -> Sequence[str] | None:
        out.write("\n[readinglist] an editor asks for a citation. Search (empty line cancels): ")
        out.flush()
        query = inp.readline().strip()
        if not query:
            return None
        hits = [row for row, _hit in lib.search_papers(query, limit=10) if row.citekey]
        if not hits:
            out.write("  nothing found; cancelled\n")
            return None
        for n, row in enumerate(hits, 1):
            out.write(f"  {n:>2}. {row.citekey:<28} {row.title[:70]}\n")
        out.write("Numbers to cite (e.g. 1 3), empty line cancels: ")
        out.flush()
        chosen = []
        for word in inp.readline().replace(",", " ").split():
            if word.isdigit() and 1 <= int(word) <= len(hits):
                chosen.append(hits[int(word) - 1].citekey or "")
        return [k for k in dict.fromkeys(chosen) if k] or None

    return pick
