"""BibTeX export and import of 10,000 generated papers: median of 5 runs, figures as JSON.

Targets on the 2-core reference machine: export < 1 s, import < 3 s.
Run: python bench/bench_bibtex.py [--papers N] [--runs R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readinglist.bibtex import make_citekey, parse_bibtex, write_bibtex
from readinglist.records import PaperMeta

FIRST = ["Ashish", "Noam", "Jörg", "José", "Łukasz", "Zoë", "Aidan N.", "Mei", "Olúfẹ́mi", "Ilya"]
LAST = ["Vaswani", "Shazeer", "Müller", "Martínez", "Kaiser", "van der Berg", "Gomez", "Straße", "Čech", "Ng"]
WORDS = [
    "attention", "transformer", "GPU", "BERT", "diffusion", "scaling", "laws", "for", "efficient",
    "LLaMA", "models", "with", "sparse", "mixture", "of", "experts", "via", "3D", "Gaussian",
    "splatting", "100%", "robust", "&", "fast", "under_score", "reinforcement", "learning", "from",
    "human", "feedback", "on", "iPhone", "Étude", "naïve"
]  # fmt: skip
VENUES = [
    ("article", {"journal": "Journal of Machine Learning Research", "volume": "24", "pages": "1--42"}),
    (
        "inproceedings",
        {"booktitle": "Advances in Neural Information Processing Systems", "publisher": "Curran"},
    ),
]


def papers(n: int, seed: int = 7) -> list[PaperMeta]:
    """Generated papers: two thirds arXiv preprints, the rest published, with TeX-hostile text."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title_words = rng.sample(WORDS, rng.randint(5, 12))
        if i % 10 == 0:
            title_words.append("$O(n^2)$")
        title = " ".join(title_words).capitalize()
        authors = tuple(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 8)))
        year = 2015 + i % 10
        arxiv_id = f"{year % 100:02d}{1 + i % 12:02d}.{10000 + i:05d}"
        abstract = " ".join(rng.choices(WORDS, k=150))
        published = dt.date(year, 1 + i % 12, 1 + i % 28)
        if i % 3:
            out.append(PaperMeta(title=title, authors=authors, arxiv_id=arxiv_id, abstract=abstract,
                                 published=published, primary_category="cs.LG"))  # fmt: skip
        else:
            kind, venue = VENUES[i % 2]
            out.append(PaperMeta(title=title, authors=authors, arxiv_id=arxiv_id, abstract=abstract,
                                 year=year, entry_type=kind, doi=f"10.1000/x{i}", **venue))  # fmt: skip
    return out


def keyed(metas: list[PaperMeta]) -> list[tuple[str, PaperMeta]]:
    taken: set[str] = set()
    out = []
    for meta in metas:
        key = make_citekey(meta, taken=taken.__contains__)
        taken.add(key)
        out.append((key, meta))
    return out


def median_times(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds (CPU time is steadier on a busy machine)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls), 3), round(statistics.median(cpus), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    metas = papers(args.papers)
    start = time.perf_counter()
    entries = keyed(metas)
    keys_s = time.perf_counter() - start
    text = write_bibtex(entries)
    with_abstracts = write_bibtex(entries, include_abstract=True)
    result = parse_bibtex(with_abstracts)
    assert len(result.entries) == args.papers and not result.problems, result.problems[:3]

    export = median_times(lambda: write_bibtex(entries), args.runs)
    export_abstracts = median_times(lambda: write_bibtex(entries, include_abstract=True), args.runs)
    imported = median_times(lambda: parse_bibtex(text), args.runs)
    imported_abstracts = median_times(lambda: parse_bibtex(with_abstracts), args.runs)
    figures = {
        "papers": args.papers,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "citekeys_s": round(keys_s, 3),
        "export_s": export[0],
        "export_cpu_s": export[1],
        "export_bytes": len(text.encode()),
        "export_with_abstracts_s": export_abstracts[0],
        "import_s": imported[0],
        "import_cpu_s": imported[1],
        "import_with_abstracts_s": imported_abstracts[0],
        "import_with_abstracts_bytes": len(with_abstracts.encode()),
        "targets": {"export_s": 1.0, "import_s": 3.0},
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
