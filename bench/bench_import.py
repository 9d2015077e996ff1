"""Whole-process ``readinglist import FILE.bib`` into a fresh library (issue 16): figures as JSON.

Generates arXiv-style .bib files of 2,000 and 10,000 entries (abstracts included, as
bench_bibtex.py makes them), compiles the project's bytecode first (these machines set
``PYTHONDONTWRITEBYTECODE=1``; an installed program has its bytecode), and times
``python -m readinglist --library NEW import FILE.bib`` as a whole process: median of
``--runs``, each into a new library. Target: 10k entries in at most 1.5 s.

Run: python bench/bench_import.py [--sizes 2000 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_10K_S = 1.5


def make_bib(path: Path, n: int) -> None:
    import bench_bibtex

    from readinglist.bibtex.writer import write_bibtex

    entries = bench_bibtex.keyed(bench_bibtex.papers(n))
    path.write_text(write_bibtex(entries, include_abstract=True), encoding="utf-8")


def time_import(work: Path, bib: Path, runs: int) -> dict[str, object]:
    lib = work / "lib"
    argv = [sys.executable, "-m", "readinglist", "--library", str(lib), "import", str(bib)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    walls: list[float] = []
    for _ in range(runs):
        shutil.rmtree(lib, ignore_errors=True)
        t = time.perf_counter()
        # cwd: ``python -m`` puts the working directory ahead of PYTHONPATH, so another checkout
        # run from here would time this one's code
        res = subprocess.run(
            argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, cwd=ROOT
        )
        walls.append(time.perf_counter() - t)
        if res.returncode != 0:
            raise RuntimeError(f"import failed: {res.stderr[-2000:]}")
    return {"runs_s": [round(w, 3) for w in walls], "median_s": round(statistics.median(walls), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10_000])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    compileall.compile_dir(str(ROOT / "readinglist"), quiet=1)
    out: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min_before": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in args.sizes:
            bib = work / f"papers-{n}.bib"
            make_bib(bib, n)
            out[str(n)] = {"bytes": bib.stat().st_size, **time_import(work, bib, args.runs)}
    out["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    out["target_10000_s"] = TARGET_10K_S
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
