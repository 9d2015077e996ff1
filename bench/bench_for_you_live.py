"""For you after a save or a tag (issue 13: "incremental updates after a save or tag under
200 ms"): the time from the change's commit to the recommender the GUI asks next
(``live.current``), and to the newest day ranked again with it, on a 100k-paper library.

The library is ``bench_gui.make_big_library``'s (a quarter of the papers tagged with one of
five tags, every ninth saved: far more kept papers than a real user has, so an upper bound).
The first full build (features of every paper, then training) is timed once; each change after
it is timed on its own, with the background full build it starts allowed to finish before the
next change. Prints JSON.

Run: python bench/bench_for_you_live.py [--big DIR] [--papers 100000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gui import make_big_library

from readinglist.recommend import live
from readinglist.recommend.service import feed_ids
from readinglist.services import papers
from readinglist.services.library import Library


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", type=Path, default=Path(tempfile.gettempdir()) / "readinglist-bench-100k")
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    out: dict[str, object] = {"cpus": os.cpu_count(), "load_before": os.getloadavg(), "papers": args.papers}
    lib = Library.open(make_big_library(args.big, args.papers))
    try:
        t = time.perf_counter()
        live.current(lib)
        out["first_build_s"] = round(time.perf_counter() - t, 2)
        day, _ = feed_ids(lib)
        rng = random.Random(7)
        rec = live.current(lib)
        untouched = [d.id for d in rec.docs if not d.kept and not d.dismissed]
        actions = {
            "save": lambda pid: papers.save(lib, [pid]),
            "tag": lambda pid: papers.tag(lib, [pid], ["agents"]),
            "dismiss": lambda pid: papers.dismiss(lib, [pid]),
        }
        for name, act in actions.items():
            to_current, to_ranked = [], []
            for _ in range(args.runs):
                live.settle(lib)
                live.current(lib).rank(day)  # the view as the user saw it before the change
                act(rng.choice(untouched))
                t = time.perf_counter()
                rec = live.current(lib)
                to_current.append(time.perf_counter() - t)
                rec.rank(day)
                to_ranked.append(time.perf_counter() - t)
                assert rec.models.state == "", "expected the incremental path"
            out[name] = {
                "to_current_ms_median": round(statistics.median(to_current) * 1000, 1),
                "to_day_ranked_ms_median": round(statistics.median(to_ranked) * 1000, 1),
                "to_day_ranked_ms_max": round(max(to_ranked) * 1000, 1),
            }
        t = time.perf_counter()
        live.settle(lib, timeout=600)
        out["background_full_build_s"] = round(time.perf_counter() - t, 2)
    finally:
        lib.close()
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
