"""For you benchmarks (issue 13): feature building, training, ranking and similar papers on a
generated library, and the accuracy of TF-IDF, embeddings and both on it.

The generated library has 20 topics (each a dozen real English words, so the sentence vectors
mean something), 50 papers a feed day, and a user who keeps a fifth of the papers on five
topics and a fiftieth of the others, each tagged by its topic (20 tags), and dismisses about 2%.
Prints JSON.

Run: python bench/bench_recommend.py [--papers 10000,100000] [--runs 3]
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
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from readinglist.recommend import evaluate, features
from readinglist.recommend import model as mdl
from readinglist.recommend.corpus import Doc, doc_text, source_digest
from readinglist.recommend.service import Recommender

TOPICS = {
    "diffusion": "diffusion denoising noise schedule sampler image generation latent score guidance pixels synthesis",
    "retrieval": "retrieval search query document ranking embedding index passage dense reranker recall",
    "agents": "agent tool planning environment browser task action memory autonomous workflow",
    "speech": "speech audio recognition acoustic phoneme speaker waveform spoken transcription voice",
    "robotics": "robot manipulation grasping policy control locomotion sensor arm trajectory embodied",
    "reasoning": "reasoning math proof chain step logic problem solving theorem deduction",
    "vision": "image object detection segmentation camera pixel visual scene recognition convolution",
    "video": "video frame temporal motion clip action tracking sequence optical stream",
    "3d": "mesh point cloud geometry radiance field depth reconstruction surface shape volumetric",
    "efficiency": "quantization pruning compression latency memory throughput kernel sparse inference hardware",
    "alignment": "preference reward human feedback safety harmful refusal alignment values policy",
    "code": "code program compiler software repository bug function synthesis developer test",
    "medicine": "clinical patient medical diagnosis hospital disease radiology health treatment drug",
    "graphs": "graph node edge message passing molecule network topology neighbour relational",
    "rl": "reinforcement reward policy value exploration agent environment return bandit",
    "translation": "translation multilingual language bilingual corpus low-resource parallel target source",
    "tabular": "table spreadsheet column row structured database sql schema query cell",
    "weather": "weather climate forecast precipitation satellite atmosphere temperature rain ocean",
    "music": "music melody song instrument chord rhythm composer audio genre harmony",
    "theory": "theorem bound convergence generalisation complexity proof optimisation gradient analysis",
}
FILLER = [
    "we",
    "propose",
    "method",
    "model",
    "results",
    "show",
    "approach",
    "novel",
    "performance",
    "benchmark",
    "experiments",
    "state",
    "of",
    "the",
    "art",
    "training",
    "data",
    "large",
    "learning",
    "framework",
    "evaluation",
    "improves",
    "baseline",
    "study",
    "paper",
    "introduce",
    "demonstrate",
    "significant",
    "tasks",
    "analysis",
    "existing",
    "prior",
    "work",
    "efficient",
    "robust",
]


def generate(n: int, seed: int = 0) -> list[Doc]:
    rng = random.Random(seed)
    names = list(TOPICS)
    liked = set(names[:5])
    vocab = {t: w.split() for t, w in TOPICS.items()}
    start = dt.date(2024, 1, 1)
    docs = []
    for i in range(n):
        topic = rng.choice(names)
        second = rng.choice(names)
        words = [rng.choice(vocab[topic]) for _ in range(35)] + [rng.choice(vocab[second]) for _ in range(10)]
        words += [rng.choice(FILLER) for _ in range(75)]
        rng.shuffle(words)
        title = " ".join(rng.choice(vocab[topic]) for _ in range(6)).capitalize()
        day = start + dt.timedelta(days=i // 50)
        roll = rng.random()
        # Most of what the user keeps is on five topics; a little of every other topic too, so
        # all 20 topics are tags with models of their own.
        kept = roll < (0.2 if topic in liked else 0.02)
        dismissed = not kept and topic not in liked and roll < 0.045
        authors = [f"Author{rng.randrange(5000)} Name{rng.randrange(300)}" for _ in range(rng.randint(1, 6))]
        abstract = " ".join(words)
        docs.append(
            Doc(
                id=i + 1,
                title=title,
                digest=source_digest(title, abstract, json.dumps(authors)),
                text=doc_text(title, abstract, authors),
                first_date=day,
                upvotes=rng.randrange(100),
                kept=kept,
                dismissed=dismissed,
                saved=kept,
                tags=(topic,) if kept else (),
                feed_dates=(day,),
            )
        )
    return docs


def timed(fn, runs: int) -> tuple[float, list[float], object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, out


def bench(n: int, runs: int, root: Path) -> dict[str, object]:
    docs = generate(n)
    res: dict[str, object] = {"papers": n, "kept": sum(d.kept for d in docs), "tags": len(TOPICS)}
    t = time.perf_counter()
    f = features.update(root, docs)
    res["features_first_build_s"] = round(time.perf_counter() - t, 2)
    # One new paper: only it is computed; the rest comes from the cache on disk.
    new = generate(n + 1, seed=1)[-1:]
    t = time.perf_counter()
    f = features.update(root, [*docs, Doc(**{**new[0].__dict__, "id": n + 1})])
    res["features_one_new_paper_s"] = round(time.perf_counter() - t, 2)
    docs = [*docs, Doc(**{**new[0].__dict__, "id": n + 1})]
    for mode in ("tfidf", "both"):
        med, all_, models = timed(lambda mode=mode: mdl.train(docs, f, mode=mode), runs)
        res[f"train_{mode}_s_median"] = round(med, 3)
        res[f"train_{mode}_s_all"] = [round(x, 3) for x in all_]
    assert isinstance(models, mdl.Models)
    rec = Recommender(docs, f, models)
    day = [d.id for d in docs[-50:]]
    med, _, _ = timed(lambda: rec.rank(day), max(runs, 5))
    res["rank_day_ms_median"] = round(med * 1000, 1)
    med, _, _ = timed(lambda: rec.similar(docs[len(docs) // 2].id, 10), max(runs, 5))
    res["similar_ms_median"] = round(med * 1000, 1)
    med, _, _ = timed(lambda: rec.suggest_tags(docs[-1].id), max(runs, 5))
    res["suggest_tags_ms_median"] = round(med * 1000, 1)
    t = time.perf_counter()
    cached = features.update(root, docs)
    res["features_load_from_cache_s"] = round(time.perf_counter() - t, 2)
    assert cached.counts.shape[0] == len(docs)
    if n <= 20000:  # the evaluation trains three times over; its figures do not change with size
        res["evaluate"] = evaluate.evaluate(docs, f)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", default="10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    out: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    for n in (int(x) for x in args.papers.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            out[str(n)] = bench(n, args.runs, Path(tmp))
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
