"""Crash campaign: SIGKILL a writer at random moments, reopen, check, and compare with what it
had acknowledged.

`python bench/crash.py [--kills 1000] [--seed 1] [--min 0.2] [--max 2.0] [--keep DIR]`

A worker process opens one library and loops over the write paths at random: appending note
lines, tagging, importing a generated .bib, importing a freshly made PDF, syncing a day from a
local feed server, refreshing an auto-export. After each operation *returns* it appends what it
did to ``acks.jsonl`` (fsync'd): that is what the user was told happened. The parent kills it with
SIGKILL after a random delay, then

* counts the debris the kill left (``*.part``, temp files, PDFs no record refers to),
* reopens the library (which clears that debris) and runs ``check``: a failure to open, a
  database problem or a changed/missing PDF counts as **corrupt**,
* checks every acknowledged change is there: a missing one counts as **lost**,
* counts what is still lying around after the reopen: **debris** (should be 0).

Prints one JSON object with the figures. The library is the same across kills, so each kill
meets the state all the earlier ones left.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_core import START, day_json, serve  # noqa: E402

from readinglist.config import Endpoints  # noqa: E402
from readinglist.services.library import Library  # noqa: E402

DAYS = 300
PER_DAY = 20
ANCHOR_TITLE = "The paper every crash writes to"


# -- the worker ---------------------------------------------------------------------------------


def _ack(journal: Path, record: dict[str, object]) -> None:
    with open(journal, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def worker(root: Path, base: str, seed: int, ready: int | None = None) -> None:
    from readinglist.services import citations, papers
    from readinglist.services.importer import import_pdf
    from readinglist.services.sync import sync_days
    from tests.pdfgen import make_paper_pdf

    rng = random.Random(seed)
    lib = Library.open(root, Endpoints(hf=base, arxiv=base, arxiv_api=base + "/api/query", arxiv_delay=0))
    journal = root.parent / "acks.jsonl"
    scratch = root.parent / f"scratch-{seed}"
    scratch.mkdir(exist_ok=True)
    anchor = lib.resolve("anchor")
    if ready is not None:
        os.write(ready, b"r")  # the parent's clock starts now: kills land in writes, not in opening
    k = 0
    while True:
        k += 1
        op = rng.choice(["note", "note", "tag", "tag", "bib", "pdf", "sync", "export"])
        if op == "note":
            line = f"n{seed}-{k}"
            papers.append_note(lib, anchor, line)
            _ack(journal, {"note": line})
        elif op == "tag":
            name = f"t{seed}-{k}"
            papers.tag(lib, [anchor], [name])
            _ack(journal, {"tag": name})
        elif op == "bib":
            keys = [f"b{seed}x{k}x{j}" for j in range(15)]
            bib = scratch / f"{k}.bib"
            bib.write_text(
                "".join(
                    f"@article{{{key},\n  title = {{Crash study {key} of durable imports}},\n"
                    f"  author = {{El Emam, Khaled and Le Goues, Claire}},\n  journal = {{TSE}},\n"
                    f"  year = {{2020}},\n  howpublished = {{\\url{{https://example.org/{key}}}}}\n}}\n"
                    for key in keys
                ),
                encoding="utf-8",
            )
            citations.import_bib(lib, bib)
            _ack(journal, {"keys": keys})
        elif op == "pdf":
            src = make_paper_pdf(
                scratch / f"{k}.pdf", title=f"Durable attachments number {seed} {k}", authors=["Ada Byron"]
            )
            from readinglist.pdf.fetch import sha256_file

            digest = sha256_file(src)
            import_pdf(lib, src)
            _ack(journal, {"pdf": digest})
        elif op == "sync":
            day = START + dt.timedelta(days=rng.randrange(DAYS))
            report = sync_days(lib, [day])
            if all(r.error is None for r in report.days):
                _ack(journal, {"day": day.isoformat()})
        else:
            citations.refresh_autoexports(lib)


# -- the parent ---------------------------------------------------------------------------------


def _debris_files(root: Path) -> list[Path]:
    """What a kill can leave: parts, temp files, PDFs no attachment row names."""
    import sqlite3

    found = [p for p in (root / "pdfs").glob("*") if p.name.endswith((".part", ".part.json"))]
    found += list(root.parent.glob(".*.tmp")) + list((root / "backups").glob("*.tmp"))
    try:
        con = sqlite3.connect(f"file:{root / 'library.sqlite3'}?mode=ro", uri=True)
        known = {r[0] for r in con.execute("SELECT path FROM attachments")}
        con.close()
    except sqlite3.Error:
        return found
    found += [p for p in (root / "pdfs").glob("*.pdf") if str(p.relative_to(root)) not in known]
    return found


def verify(root: Path, journal: Path, base: str) -> dict[str, object]:
    from readinglist.services.check import run_check

    left = len(_debris_files(root))
    try:
        lib = Library.open(root, Endpoints(hf=base, arxiv=base, arxiv_api=base, arxiv_delay=0))
    except Exception as exc:  # the point of the campaign: anything here is a finding
        return {"corrupt": 1, "lost": 0, "debris": 0, "left": left, "why": f"open: {exc}"}
    try:
        report = run_check(lib)
        corrupt = bool(report.problems or report.missing or report.changed)
        acks = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()]
        row = lib.get(lib.resolve("anchor"))
        notes = set(row.note.split())
        tags = set(row.tags)
        with lib.read() as s:
            from sqlalchemy import text

            keys = {
                k.casefold()
                for (k,) in s.execute(text("SELECT citekey FROM papers WHERE citekey IS NOT NULL"))
            }
            shas = {d for (d,) in s.execute(text("SELECT sha256 FROM attachments"))}
            days = {str(d) for (d,) in s.execute(text("SELECT DISTINCT feed_date FROM feed_appearances"))}
        present = {"note": notes, "tag": tags, "pdf": shas, "day": days}
        lost = [
            a
            for a in acks
            if any(kind in a and a[kind] not in have for kind, have in present.items())
            or ("keys" in a and any(k.casefold() not in keys for k in a["keys"]))
        ]
        remaining = len(_debris_files(root)) + len(report.debris)
        why = "; ".join(report.problems[:3] + report.missing[:3] + report.changed[:3]) or (
            str(lost[:3]) if lost else ""
        )
        return {
            "corrupt": int(corrupt),
            "lost": len(lost),
            "debris": remaining,
            "left": left,
            "why": why,
            "acks": len(acks),
        }
    finally:
        lib.close()


def setup(root: Path, base: str) -> None:
    from readinglist.records import PaperMeta
    from readinglist.services import citations, papers

    lib = Library.open(root, Endpoints(hf=base, arxiv=base, arxiv_api=base, arxiv_delay=0))
    (pid,), _ = papers.upsert(lib, [PaperMeta(title=ANCHOR_TITLE, citekey="anchor")], save=True)
    assert lib.get(pid).citekey == "anchor"
    citations.add_autoexport(lib, root.parent / "refs.bib", "saved")
    lib.close()


def campaign(kills: int, seed: int, low: float, high: float, keep: Path | None) -> dict[str, object]:
    # Imported before forking, so each child starts writing at once.
    import readinglist.pdf.fetch
    import readinglist.services.citations
    import readinglist.services.importer
    import readinglist.services.sync  # noqa: F401
    import tests.pdfgen  # noqa: F401

    rng = random.Random(seed)
    days = {
        (START + dt.timedelta(days=i)).isoformat(): day_json(i, PER_DAY, random.Random(i))
        for i in range(DAYS)
    }
    server = serve(days)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    work = keep or Path(tempfile.mkdtemp(prefix="rl-crash-"))
    root = work / "library"
    journal = work / "acks.jsonl"
    journal.touch()
    setup(root, base)
    totals = {"kills": 0, "corrupt": 0, "lost": 0, "debris": 0, "left_by_kills": 0}
    findings: list[str] = []
    t0 = time.perf_counter()
    for i in range(kills):
        child_seed = seed * 100000 + i
        r, w = os.pipe()
        pid = os.fork()  # everything is imported already: a child is writing within milliseconds
        if pid == 0:
            os.close(r)
            code = 0
            try:
                worker(root, base, child_seed, ready=w)
            except BaseException as exc:  # reported through the exit status
                print(f"worker {child_seed}: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = 3
            os._exit(code)
        os.close(w)
        os.read(r, 1)  # b"r" when open, b"" if it died first
        os.close(r)
        time.sleep(rng.uniform(low, high))
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            findings.append(f"kill {i}: the worker stopped on its own (status {status})")
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        result = verify(root, journal, base)
        totals["kills"] += 1
        totals["corrupt"] += int(result["corrupt"])  # type: ignore[call-overload]
        totals["lost"] += int(result["lost"])  # type: ignore[call-overload]
        totals["debris"] += int(result["debris"])  # type: ignore[call-overload]
        totals["left_by_kills"] += int(result["left"])  # type: ignore[call-overload]
        if result["corrupt"] or result["lost"] or result["debris"]:
            findings.append(f"kill {i}: {result}")
    acks = sum(1 for _ in journal.open(encoding="utf-8"))
    server.shutdown()
    return {
        **totals,
        "acknowledged_writes": acks,
        "seconds": round(time.perf_counter() - t0, 1),
        "findings": findings[:20],
        "folder": str(work),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--min", type=float, default=0.0, help="shortest life of a worker once open, seconds")
    p.add_argument("--max", type=float, default=1.5, help="longest life of a worker once open, seconds")
    p.add_argument("--keep", type=Path, help="work in this folder (kept afterwards)")
    p.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--base", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args.worker, args.base, args.seed)
        return 0
    result = campaign(args.kills, args.seed, args.min, args.max, args.keep)
    print(json.dumps(result, indent=2))
    return 0 if not (result["corrupt"] or result["lost"] or result["debris"]) else 1


if __name__ == "__main__":
    sys.exit(main())
