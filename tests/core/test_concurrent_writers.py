"""Four real processes doing read-modify-writes on the same paper, list and settings at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from readinglist.records import PaperFilter, PaperMeta
from readinglist.services import papers, reading_lists
from readinglist.services.library import Library

_WRITER = """
import sys
from readinglist.records import PaperMeta
from readinglist.services.library import Library
from readinglist.services import papers, reading_lists
lib = Library.open(sys.argv[1])
pid, who = int(sys.argv[2]), sys.argv[3]
for n in range(25):
    papers.append_note(lib, pid, f"{who} line {n}")
    papers.tag(lib, [pid], [f"{who}-{n}"])
    (new,), _ = papers.upsert(lib, [PaperMeta(title=f"Paper {who} {n} of the shared list study")], save=True)
    reading_lists.add(lib, "shared", [new])
    papers.set_rating(lib, [pid], 1 + n % 5)
lib.close()
"""


def test_four_processes_appending_notes_tags_and_list_items_lose_nothing(lib: Library) -> None:
    (pid,), _ = papers.upsert(lib, [PaperMeta(title="The paper everyone writes to at once")], save=True)
    reading_lists.create(lib, "shared")
    root = Path(__file__).resolve().parents[2]  # -c puts the working folder first on sys.path
    who = "abcd"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(lib.root), str(pid), w], cwd=root, stderr=subprocess.PIPE
        )
        for w in who
    ]
    errors = [p.communicate(timeout=240)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    row = lib.get(pid)
    lines = [ln for ln in row.note.splitlines() if ln.strip()]
    assert sorted(lines) == sorted(f"{w} line {n}" for w in who for n in range(25))
    assert set(row.tags) == {f"{w}-{n}" for w in who for n in range(25)}
    members = lib.paper_ids(PaperFilter(list_name="shared"))
    assert len(members) == 100
    with lib.read() as s:
        positions = sorted(r[0] for r in s.execute(text("SELECT position FROM list_items")))
    assert positions == list(range(100))  # every append saw the others' items: no two share a place
