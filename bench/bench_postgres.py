"""A lab library on PostgreSQL beside SQLite (issue 14): list, search, sort, export and edit
times over 100,000 papers, and a load test of several member processes editing the same papers
(tags, notes, note rewrites with their version, status, list reorders, annotations and their
comments): every tag, note line and last comment a member wrote must be in the final library,
each annotation's recorded author must be the member who last wrote it, and every member's
final view must be the same.

Needs a server: run it inside a throwaway cluster,
    .ci/postgres.sh run -- python bench/bench_postgres.py [--papers 100000] [--members 8] [--edits 250]
(or set READINGLIST_TEST_DATABASE_URL yourself; each run makes and drops its own databases).
Prints JSON: medians of ``--runs`` runs per operation, and the load test's edits per second,
p50/p95 latency, stale-write refusals and lost updates (which must be 0).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import build_big_library

from readinglist.config import Endpoints
from readinglist.errors import StaleWriteError
from readinglist.records import AnnotationRecord, PaperFilter
from readinglist.services import annotations, citations, papers, reading_lists
from readinglist.services.library import Library

SEARCHES = [
    "contrastive retrieval",
    '"sparse attention"',
    "transf*",
    "protein",
    "retrieval year:2024",
    "mod*",
]


def _server() -> str:
    url = os.environ.get("READINGLIST_TEST_DATABASE_URL")
    if not url:
        sys.exit("set READINGLIST_TEST_DATABASE_URL or run inside .ci/postgres.sh run -- ...")
    return url


def _create_db(name: str) -> str:
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    url = _server()
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as con:
        con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        con.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def bench_engine(lib: Library, runs: int) -> dict[str, object]:
    ids = lib.paper_ids(PaperFilter(dismissed=None), limit=500)
    pid = ids[0]
    out: dict[str, object] = {
        "list_200_by_upvotes_ms": _median_ms(
            lambda: lib.list_papers(PaperFilter(), sort="upvotes", limit=200), runs
        ),
        "sort_by_title_200_ms": _median_ms(
            lambda: lib.list_papers(PaperFilter(), sort="title", limit=200), runs
        ),
        "sort_by_author_200_ms": _median_ms(
            lambda: lib.list_papers(PaperFilter(), sort="author", limit=200), runs
        ),
        "count_all_ms": _median_ms(lambda: lib.count(PaperFilter(dismissed=None)), runs),
        "search_ms": {q: _median_ms(lambda q=q: lib.search(q, limit=50), runs) for q in SEARCHES},
        "export_bibtex_500_ms": _median_ms(lambda: citations.export_text(lib, ids, "bibtex"), runs),
    }
    n = iter(range(10**6))
    out["edit_tag_ms"] = _median_ms(lambda: papers.tag(lib, [pid], [f"bench-{next(n)}"]), runs)
    out["edit_note_ms"] = _median_ms(lambda: papers.append_note(lib, pid, "a line"), runs)
    out["edit_status_ms"] = _median_ms(lambda: papers.set_status(lib, [pid], "reading"), runs)
    return out


def bench_scale(n: int, runs: int) -> dict[str, object]:
    res: dict[str, object] = {}
    for engine in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            if engine == "postgresql":
                os.environ["READINGLIST_DATABASE_URL"] = _create_db("rl_bench_scale")
            t0 = time.perf_counter()
            lib = build_big_library(Path(tmp), n)
            build = round(time.perf_counter() - t0, 1)
            res[engine] = {"papers": n, "build_s": build, **bench_engine(lib, runs)}
            lib.close()
            os.environ.pop("READINGLIST_DATABASE_URL", None)
    return res


# -- the load test -----------------------------------------------------------------------------


def _member(root: str, url: str, who: int, edits: int, pids: list[int], q: mp.Queue) -> None:  # type: ignore[type-arg]
    os.environ["READINGLIST_USER"] = f"member{who}"
    lib = Library.open(root, Endpoints(arxiv_delay=0), database_url=url)
    rng = random.Random(who)
    lat: list[float] = []
    refused = {"note": 0, "comment": 0}
    kinds = dict.fromkeys(("tag", "note", "replace", "status", "star", "list", "annotate", "comment"), 0)
    my_tags: list[tuple[int, str]] = []
    my_lines: list[tuple[int, str]] = []
    my_status: dict[int, str] = {}  # personal: the last status and star this member set on each paper
    my_star: dict[int, bool] = {}
    listed: set[int] = set()
    # Accepted comment rewrites: (annotation id, comment, wall clock before, after, version
    # read, version written). A write that changed the comment somebody else set after the
    # version it read is a silent overwrite: the new version must be the one read plus one.
    comments: list[tuple[int, str, float, float, int, int]] = []
    for n in range(edits):
        pid = rng.choice(pids)
        kind = rng.choice(list(kinds))
        t = time.perf_counter()
        if kind == "tag":
            tag = f"m{who}-{n}"
            papers.tag(lib, [pid], [tag])
            my_tags.append((pid, tag))
        elif kind == "note":
            line = f"m{who} line {n}"
            papers.append_note(lib, pid, line)
            my_lines.append((pid, line))
        elif kind == "replace":  # read, edit, write back with the version read: may be refused
            text, version = papers.note_state(lib, pid)
            line = f"m{who} edit {n}"
            try:
                papers.set_note(lib, pid, text + line + "\n", base_version=version)
                my_lines.append((pid, line))
            except StaleWriteError:
                refused["note"] += 1
        elif kind == "status":
            status = rng.choice(("unread", "reading", "read"))
            papers.set_status(lib, [pid], status)
            my_status[pid] = status
        elif kind == "star":
            starred = rng.random() < 0.5
            papers.star(lib, [pid], starred)
            my_star[pid] = starred
        elif kind == "comment" and (recs := annotations.list_annotations(lib, pid)):
            # anybody's annotation on the paper, edited from the record read (may be refused)
            rec = rng.choice(recs)
            comment = f"m{who} rewrote {n}"
            t0 = time.time()
            try:
                new = annotations.update_annotation(lib, rec.id or 0, comment=comment, base=rec)
                comments.append((rec.id or 0, comment, t0, time.time(), rec.version, new.version))
            except StaleWriteError:
                refused["comment"] += 1
        elif kind in ("annotate", "comment"):
            kind = "annotate"
            t0 = time.time()
            rec = annotations.add_annotation(
                lib,
                pid,
                AnnotationRecord(
                    None, 0, "note", rects=((10.0, 10.0 + n, 12.0, 12.0 + n),), comment=f"m{who} says {n}"
                ),
            )
            comments.append((rec.id or 0, rec.comment, t0, time.time(), 0, rec.version))
        else:
            reading_lists.add(lib, "lab", [pid])
            listed.add(pid)
            reading_lists.reorder(
                lib,
                "lab",
                sorted(
                    lib.paper_ids(PaperFilter(list_name="lab", dismissed=None)), key=lambda _: rng.random()
                ),
            )
        lat.append((time.perf_counter() - t) * 1000)
        kinds[kind] += 1
    lib.close()
    q.put({"lat": lat, "refused": refused, "tags": my_tags, "lines": my_lines, "kinds": kinds,
           "who": f"member{who}", "comments": comments, "status": my_status, "star": my_star,
           "listed": sorted(listed)})  # fmt: skip


def _view(root: str, url: str, member: str, pids: list[int]) -> tuple[str, dict[int, tuple[str, bool]]]:
    """What ``member`` sees: the shared data as JSON, and their own status and star by paper."""
    os.environ["READINGLIST_USER"] = member
    lib = Library.open(root, Endpoints(arxiv_delay=0), database_url=url)
    try:
        rows = lib.get_many(pids)
        shared = [(r.id, r.tags, r.note, r.note_author) for r in rows]
        lab = lib.paper_ids(PaperFilter(list_name="lab", dismissed=None))
        notes = [(a.id, a.comment, a.author) for pid in pids for a in annotations.list_annotations(lib, pid)]
        return json.dumps([shared, lab, notes]), {r.id: (r.status, r.starred) for r in rows}
    finally:
        lib.close()


def bench_load(members: int, edits: int, url: str | None = None) -> dict[str, object]:
    """``members`` processes doing ``edits`` mixed edits each on the same 10 papers of a new
    database (made on the test server unless ``url`` names one)."""
    url = url or _create_db("rl_bench_load")
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(tmp, Endpoints(arxiv_delay=0), database_url=url)
        from readinglist.records import PaperMeta

        pids, _ = papers.upsert(
            lib,
            [PaperMeta(title=f"Shared paper {i}", arxiv_id=f"2501.{i:05d}") for i in range(10)],
            save=True,
        )
        reading_lists.create(lib, "lab")
        lib.close()
        ctx = mp.get_context("spawn")
        q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        procs = [ctx.Process(target=_member, args=(tmp, url, w, edits, pids, q)) for w in range(members)]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        results = [q.get(timeout=3600) for _ in procs]
        for p in procs:
            p.join()
        wall = time.perf_counter() - t0
        lat = sorted(x for r in results for x in r["lat"])
        # Every member's final view of the shared data is the same; each one's triage is theirs.
        views = {r["who"]: _view(tmp, url, r["who"], pids) for r in results}
        shared_views = {v[0] for v in views.values()}
        rows_json = json.loads(next(iter(shared_views)))
        tags = {pid: set(t) for pid, t, _, _ in rows_json[0]}
        note_of = {pid: note for pid, _, note, _ in rows_json[0]}
        lab = rows_json[1]
        final = {aid: (comment, author) for aid, comment, author in rows_json[2]}
        lost_tags = sum(1 for r in results for pid, tag in r["tags"] if tag not in tags[pid])
        lost_lines = sum(
            1 for r in results for pid, line in r["lines"] if line not in note_of[pid].splitlines()
        )
        # An annotation's comment is that of an accepted write no other accepted write surely
        # followed (started after it ended); its author is that write's member.
        writes: dict[int, list[tuple[str, float, float, str]]] = {}
        for r in results:
            for aid, comment, start, end, _, _ in r["comments"]:
                writes.setdefault(aid, []).append((comment, start, end, r["who"]))
        lost_comments = wrong_authors = 0
        for aid, ws in writes.items():
            latest_start = max(w[1] for w in ws)
            candidates = {(c, who) for c, _, end, who in ws if end >= latest_start}
            if aid not in final or final[aid][0] not in {c for c, _ in candidates}:
                lost_comments += 1
            elif (final[aid][0], final[aid][1]) not in candidates:
                wrong_authors += 1
        silent = sum(
            1 for r in results for _, _, _, _, read, wrote in r["comments"] if read and wrote != read + 1
        )
        lost_personal = sum(
            1 for r in results for pid, status in r["status"].items() if views[r["who"]][1][pid][0] != status
        ) + sum(1 for r in results for pid, star in r["star"].items() if views[r["who"]][1][pid][1] != star)
        # the list holds every paper a member added, once (reorders from stale orders merge)
        list_ok = len(lab) == len(set(lab)) and set(lab) == {pid for r in results for pid in r["listed"]}
    total = len(lat)
    return {
        "members": members, "edits_each": edits, "edits_total": total, "wall_s": round(wall, 1),
        "edits_per_s": round(total / wall, 1),
        "p50_ms": round(lat[total // 2], 1), "p95_ms": round(lat[int(total * 0.95)], 1), "max_ms": round(lat[-1], 1),
        "stale_note_writes_refused": sum(r["refused"]["note"] for r in results),
        "stale_comment_edits_refused": sum(r["refused"]["comment"] for r in results),
        "lost_updates": lost_tags + lost_lines + lost_comments, "lost_personal_updates": lost_personal,
        "silent_overwrites": silent, "wrong_authors": wrong_authors,
        "identical_shared_views": len(shared_views) == 1, "list_without_duplicates_or_strangers": list_ok,
        "mix": {k: sum(r["kinds"][k] for r in results) for k in results[0]["kinds"]},
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--edits", type=int, default=250, help="edits per member in the load test")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-load", action="store_true")
    args = ap.parse_args()
    out: dict[str, object] = {
        "machine": f"{platform.machine()} python {platform.python_version()}, load {os.getloadavg()}",
    }
    if not args.skip_load:
        out["load"] = bench_load(args.members, args.edits)
        print(json.dumps({"load": out["load"]}, ensure_ascii=False), file=sys.stderr, flush=True)
    if not args.skip_scale:
        out["scale"] = bench_scale(args.papers, args.runs)
    out["load_after"] = str(os.getloadavg())
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
