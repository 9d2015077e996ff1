"""readinglist beside pubs and papis, whole processes, in one run (issue 16).

Installs pubs and papis from the package index into their own venvs under a temporary folder
(reused with ``--dir``), generates one arXiv-style .bib of ``--papers`` entries (abstracts
included, as bench_bibtex.py makes them) and times, as whole processes, median of ``--runs``:
import of the .bib into a new empty library (made before the clock starts, as ``pubs init``
is; the import that creates the library is timed too), export of the whole library to a file, and a one-word
search. For readinglist also ``show ID`` and ``list --tag T``. papis imports one file per entry
and slows down as its library grows (superlinear), so it gets ``--papis-papers`` entries (1,000
by default) and its figures say so. Prints JSON with each tool's medians and readinglist's
speed-up over each (``> 1`` is faster).

The project's bytecode is compiled first (``compileall``): these machines set
``PYTHONDONTWRITEBYTECODE=1``, and pip compiles the peers' code when it installs them, so
without it readinglist would compile its modules on every start.

Run: python bench/bench_peers.py [--papers 10000] [--papis-papers 1000] [--runs 5] [--dir DIR]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# What each peer needs besides itself: pubs 0.9 is written for bibtexparser 1.x (and its pyparsing).
PEERS = {"pubs": ["pubs", "bibtexparser<2", "pyparsing"], "papis": ["papis"]}
WORD = "diffusion"


def timed(argv: Sequence[str], runs: int, *, env: dict[str, str] | None = None,
          before: Callable[[], None] | None = None, stdout: Path | None = None,
          cwd: Path | None = None) -> float:  # fmt: skip
    """Median wall-clock seconds of a whole process (``before`` runs untimed ahead of each)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        out = stdout.open("w") if stdout else subprocess.DEVNULL
        t = time.perf_counter()
        res = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env={**os.environ, **(env or {})}, text=True, cwd=cwd)  # fmt: skip
        times.append(time.perf_counter() - t)
        if stdout:
            out.close()  # type: ignore[union-attr]
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {res.stderr[-2000:]}")
    return round(statistics.median(times), 3)


def make_bib(path: Path, n: int) -> list[str]:
    import bench_bibtex

    from readinglist.bibtex.writer import write_bibtex

    entries = bench_bibtex.keyed(bench_bibtex.papers(n))
    path.write_text(write_bibtex(entries, include_abstract=True), encoding="utf-8")
    return [k for k, _ in entries]


def venv(base: Path, name: str) -> Path:
    bindir = base / f"{name}-venv" / "bin"
    if not (bindir / name).exists():
        subprocess.run([sys.executable, "-m", "venv", str(base / f"{name}-venv")], check=True)
        subprocess.run([str(bindir / "pip"), "install", "-q", *PEERS[name]], check=True)
    return bindir


def bench_readinglist(work: Path, bib: Path, keys: list[str], runs: int) -> dict[str, float]:
    compileall.compile_dir(str(ROOT / "readinglist"), quiet=1)
    rl = [sys.executable, "-m", "readinglist", "--library"]
    lib = work / "rl-lib"

    env = {"PYTHONPATH": str(ROOT)}  # and cwd=ROOT: ``python -m`` puts the working directory first

    def fresh() -> None:
        shutil.rmtree(lib, ignore_errors=True)

    def empty() -> None:  # a new, empty library, as ``pubs init`` makes one before its import
        fresh()
        subprocess.run([*rl, str(lib), "list", "--limit", "1"], check=True, env={**os.environ, **env},
                       capture_output=True, cwd=ROOT)  # fmt: skip

    out: dict[str, float] = {
        "import": timed([*rl, str(lib), "import", str(bib)], runs, env=env, before=empty, cwd=ROOT),
        # the same, the library created by the import itself (15 migrations, Alembic and SQLAlchemy)
        "import_creating_the_library": timed(
            [*rl, str(lib), "import", str(bib)], runs, env=env, before=fresh, cwd=ROOT
        ),
    }
    for key in keys[:20:2]:  # a tag on 10 papers for list --tag
        subprocess.run([*rl, str(lib), "tag", key, "bench"], check=True, env={**os.environ, **env},
                       capture_output=True, cwd=ROOT)  # fmt: skip
    subprocess.run(
        [*rl, str(lib), "export", "-o", str(work / "warm.bib")],
        check=True,
        env={**os.environ, **env},
        capture_output=True,
        cwd=ROOT,
    )  # fmt: skip  (the first export after a change renders what changed)
    target = work / "rl-out.bib"
    out["export"] = timed(
        [*rl, str(lib), "export", "-o", str(target)],
        runs,
        env=env,
        before=lambda: target.unlink(missing_ok=True),
        cwd=ROOT,
    )
    out["search"] = timed([*rl, str(lib), "search", WORD], runs, env=env, cwd=ROOT)
    out["show"] = timed([*rl, str(lib), "show", keys[len(keys) // 2]], runs, env=env, cwd=ROOT)
    out["list_tag"] = timed([*rl, str(lib), "list", "--tag", "bench"], runs, env=env, cwd=ROOT)
    out["version"] = timed([*rl, str(lib), "--version"], runs, env=env, cwd=ROOT)
    return out


def bench_pubs(work: Path, bindir: Path, bib: Path, runs: int) -> dict[str, float]:
    pubs = str(bindir / "pubs")
    cfg, repo = work / "pubsrc", work / "pubs-repo"

    def fresh() -> None:
        shutil.rmtree(repo, ignore_errors=True)
        cfg.unlink(missing_ok=True)
        subprocess.run([pubs, "-c", str(cfg), "init", "-p", str(repo)], check=True, capture_output=True)

    out = {"import": timed([pubs, "-c", str(cfg), "import", str(bib)], runs, before=fresh)}
    out["export"] = timed([pubs, "-c", str(cfg), "export"], runs, stdout=work / "pubs-out.bib")
    out["search"] = timed([pubs, "-c", str(cfg), "list", f"title:{WORD}"], runs)  # pubs queries need a field
    return out


def bench_papis(work: Path, bindir: Path, bib: Path, runs: int) -> dict[str, float]:
    papis = str(bindir / "papis")
    # papis 0.16 reads a named library only from its own config folder ($XDG_CONFIG_HOME/papis),
    # not from a file given with --config
    lib, cfg = work / "papis-lib", work / "papis-xdg" / "papis"
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "config").write_text(
        f"[settings]\ndefault-library = peers-bench\n\n[peers-bench]\ndir = {lib}\n", encoding="utf-8"
    )
    env = {"XDG_CONFIG_HOME": str(work / "papis-xdg"), "XDG_CACHE_HOME": str(work / "papis-cache")}
    # papis's ``-l`` takes a library name or a path, and a folder of that name in the working
    # directory wins: with ``-l bench`` run from the checkout it filled ``bench/`` with entries.
    # A name no folder has, and the scratch folder as the working directory, keep it in ``lib``.
    base = [papis, "-l", "peers-bench"]

    def fresh() -> None:
        shutil.rmtree(lib, ignore_errors=True)
        shutil.rmtree(work / "papis-cache", ignore_errors=True)
        lib.mkdir()

    out = {
        "import": timed(
            [*base, "bibtex", "read", str(bib), "import", "--all", "--batch"],
            runs,
            env=env,
            before=fresh,
            cwd=work,
        )
    }
    out["export"] = timed(
        [*base, "export", "--all", "--batch", "--format", "bibtex", "--out", str(work / "papis-out.bib")],
        runs,
        env=env,
        cwd=work,
    )
    out["search"] = timed([*base, "list", "--all", WORD], runs, env=env, cwd=work)
    return out


def ratios(ours: dict[str, float], theirs: dict[str, float]) -> dict[str, float]:
    return {k: round(theirs[k] / ours[k], 1) for k in theirs if k in ours and ours[k] > 0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--papis-papers", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--dir", type=Path, default=None, help="keep the venvs here (default: a temporary folder)"
    )
    ap.add_argument("--peers", default="pubs,papis")
    args = ap.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="bench-peers-"))
    base.mkdir(parents=True, exist_ok=True)
    peers = [p for p in args.peers.split(",") if p]
    bins = {p: venv(base, p) for p in peers}  # installed before anything is timed
    out: dict[str, object] = {"papers": args.papers, "runs": args.runs, "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        work = Path(tmp)
        bib = work / "arxiv.bib"
        keys = make_bib(bib, args.papers)
        ours = bench_readinglist(work, bib, keys, args.runs)
        out["readinglist_s"] = ours
        if "pubs" in peers:
            out["pubs_s"] = theirs = bench_pubs(work, bins["pubs"], bib, args.runs)
            out["speedup_over_pubs"] = ratios(ours, theirs)
        if "papis" in peers:
            small = work / "arxiv-small.bib"
            small_keys = make_bib(small, args.papis_papers)
            (work / "small").mkdir()
            ours_small = bench_readinglist(work / "small", small, small_keys, args.runs)
            out[f"readinglist_{args.papis_papers}_s"] = ours_small
            out[f"papis_{args.papis_papers}_s"] = theirs = bench_papis(work, bins["papis"], small, args.runs)
            out["speedup_over_papis"] = ratios(ours_small, theirs)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
