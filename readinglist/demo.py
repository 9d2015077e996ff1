"""A demo library: plausible generated papers, feed days, user data and a couple of PDFs.

Pure core (no Qt). ``readinglist gui --demo`` fills a throwaway library with it, the GUI tests
start from it, and screenshots show it. Papers go in through the real ingest code path; user
data through the :class:`Library` facade. Output is deterministic for a given ``seed`` and ``today``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import unicodedata
from pathlib import Path

from sqlalchemy import select

from readinglist.db.schema import AlertMatch, Paper, SavedSearch
from readinglist.records import FeedItem, PaperFilter, PaperMeta
from readinglist.services import alerts, ingest, reading_lists, tagging
from readinglist.services import papers as papers_ops
from readinglist.services.library import Library
from readinglist.textutil import fold_letters

_ADJ = (
    "Sparse", "Efficient", "Scalable", "Robust", "Multimodal", "Self-Supervised", "Hierarchical",
    "Contrastive", "Adaptive", "Linear-Time", "Causal", "Grounded", "Compositional", "Lightweight",
    "Retrieval-Augmented", "Long-Context", "Quantized", "Distilled", "Recurrent", "Equivariant",
)  # fmt: skip
_NOUN = (
    "Transformers", "Diffusion Models", "Mixture-of-Experts", "State Space Models", "Agents",
    "Vision-Language Models", "Reward Models", "Tokenizers", "World Models", "Attention",
    "Speculative Decoding", "Graph Networks", "Neural Fields", "Policy Optimization", "Embeddings",
)  # fmt: skip
_TASK = (
    "Long-Document Reasoning", "Video Generation", "Code Synthesis", "Theorem Proving",
    "Robotic Manipulation", "Speech Translation", "Protein Design", "3D Scene Understanding",
    "Instruction Following", "Tabular Data", "Low-Resource Languages", "On-Device Inference",
    "Mathematical Reasoning", "Image Editing", "Scientific Discovery", "Web Navigation",
)  # fmt: skip
_PATTERNS = (
    "{adj} {noun} for {task}",
    "{noun} Are Secretly {adj} Learners",
    "Scaling {adj} {noun}: Lessons from {task}",
    "{short}: {adj} {noun} for {task}",
    "Rethinking {noun} in {task}",
    "Towards {adj} {task} with {noun}",
    "When Do {noun} Help {task}?",
)
_SHORT = (
    "LUMEN", "Kestrel", "Orca-2", "FLUX", "Tapestry", "Mosaic", "ReLoRA", "Helix", "Aurora",
    "Quill", "Cascade", "Prism", "Atlas", "Nimbus", "Sable",
)  # fmt: skip
_FIRST = (
    "Wei", "Yuki", "Anna", "Günther", "María", "Søren", "Zoë", "Łukasz", "Thi Minh", "Ahmet",
    "François", "José", "Jürgen", "Ólafur", "Priya", "Chen", "Aisha", "Mateo", "Ingrid", "Kenji",
    "Hyun-woo", "Élodie", "Nikolaj", "Olamide", "Tomáš", "Sven", "Laila", "Ravi", "Mei", "Dmitri",
)  # fmt: skip
_LAST = (
    "Zhang", "Tanaka", "Müller", "Martínez", "Kierkegaard", "Nguyễn", "Çelik", "Dvořák", "Wiśniewski",
    "Dubois", "García", "Schröder", "Sigurðsson", "Patel", "Li", "Okafor", "Rossi", "Johansson",
    "Kim", "Lefèvre", "Ivanova", "Haddad", "Sato", "Fernández", "Novák", "Andersen", "Gupta", "Wang",
)  # fmt: skip
_SENTENCES = (
    "We introduce {short}, a family of {adj_l} {noun_l} trained on {n}B tokens.",
    "Existing approaches to {task_l} scale as $O(n^2)$ in the sequence length, which limits them to short inputs.",
    "Our method reduces this cost to $O(n \\log n)$ while matching the quality of dense baselines.",
    "Across {k} benchmarks, {short} improves accuracy by {p}\\% over the strongest open model.",
    "We find that {noun_l} benefit from \\emph{{{adj_l}}} objectives far more than from additional data.",
    "A simple ablation shows that the gains come from the routing layer, not from model size.",
    "We release code, weights and a new evaluation suite for {task_l}.",
    "Surprisingly, a {adj_l} variant with only {m}M parameters is competitive with models ten times larger.",
    "Theoretical analysis shows convergence at rate $\\mathcal{{O}}(1/\\sqrt{{T}})$ under mild assumptions.",
    "Human raters prefer our outputs in {p}% of pairwise comparisons.",
    "Generated samples sometimes end with a literal <EOS> token, which we treat as a failure case.",
)
# Hugging Face's one-line AI summaries (most feed papers have one); TeX as the feed sends it.
_SUMMARIES = (
    "Sparse routing lets a small model match dense baselines at $O(n \\log n)$ cost.",
    "A simple objective change beats scaling the data by 10\\%, across every benchmark tried.",
    "The gains come from the routing layer, not from model size.",
)
_NOTES = (
    "## Takeaways\n\n- Routing matters more than size\n- Check the **ablation** in Table 3\n\n"
    "> Compare with the `Mamba` baseline before the reading group.\n",
    "Good related work section. Cite for the *efficiency* argument in chapter 2.\n",
    "Questions:\n\n1. Does the $O(n^2)$ claim hold for batch size 1?\n2. Where is the code?\n",
)
_TAGS = {
    "transformers": "#3b82f6",
    "diffusion": "#a855f7",
    "agents": "#10b981",
    "efficiency": "#f59e0b",
    "to-cite": "#ef4444",
    "vision": "#06b6d4",
    "reasoning": None,
}


def _title(rng: random.Random) -> str:
    return rng.choice(_PATTERNS).format(
        adj=rng.choice(_ADJ), noun=rng.choice(_NOUN), task=rng.choice(_TASK), short=rng.choice(_SHORT)
    )


def _abstract(rng: random.Random) -> str:
    words = {
        "short": rng.choice(_SHORT),
        "adj_l": rng.choice(_ADJ).lower(),
        "noun_l": rng.choice(_NOUN).lower(),
        "task_l": rng.choice(_TASK).lower(),
        "n": rng.choice((1, 2, 7, 15, 40)),
        "k": rng.randint(4, 14),
        "p": rng.randint(3, 38),
        "m": rng.choice((125, 350, 770)),
    }
    picks = rng.sample(_SENTENCES, rng.randint(4, 6))
    return " ".join(s.format(**words) for s in picks)


def _authors(rng: random.Random) -> tuple[str, ...]:
    n = rng.choice((1, 2, 3, 3, 4, 5, 6, 8, 12))
    return tuple(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(n))


def _meta(rng: random.Random, day: dt.date, serial: int) -> PaperMeta:
    published = day - dt.timedelta(days=rng.randint(0, 3))
    arxiv_id = f"{published:%y%m}.{10000 + serial * 37 % 89999:05d}"
    short = arxiv_id.replace(".", "")
    return PaperMeta(
        title=_title(rng),
        authors=_authors(rng),
        arxiv_id=arxiv_id,
        version=rng.choice((1, 1, 1, 2, 3)),
        abstract=_abstract(rng),
        published=published,
        primary_category=rng.choice(("cs.CL", "cs.LG", "cs.CV", "cs.AI", "cs.RO")),
        categories=("cs.LG",),
        github_repo=f"https://github.com/demo-lab/{short}" if rng.random() < 0.4 else None,
        project_page=f"https://demo-lab.github.io/{short}/" if rng.random() < 0.2 else None,
        ai_summary=_SUMMARIES[serial % len(_SUMMARIES)] if serial % 4 else None,
    )


def _latin1(text: str) -> str:
    """The base-14 PDF fonts cover Latin-1 only: fold other letters (ř -> r) rather than print '?'."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", fold_letters(ch))[0]
            out.append(base if ord(base) < 256 else "?")
    return "".join(out)


def make_demo_pdf(path: Path, title: str, authors: tuple[str, ...], abstract: str, pages: int = 3) -> int:
    """Write a small paper-like PDF with PyMuPDF; returns its page count."""
    import pymupdf

    rng = random.Random(title)
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=612, height=792)
        top = 72.0
        if n == 0:
            page.insert_textbox(pymupdf.Rect(72, 60, 540, 120), title, fontname="tibo", fontsize=17, align=1)
            page.insert_textbox(
                pymupdf.Rect(72, 122, 540, 160), _latin1(", ".join(authors)), fontsize=11, align=1
            )
            page.insert_textbox(pymupdf.Rect(100, 170, 512, 300), "Abstract. " + abstract, fontsize=9.5)
            top = 310.0
        body = "\n\n".join(_abstract(rng) for _ in range(6))
        page.insert_textbox(pymupdf.Rect(72, top, 540, 740), f"{n + 1} Section\n\n{body}", fontsize=10)
        page.insert_text((300, 770), str(n + 1), fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    doc.save(tmp, deflate=True, garbage=1)
    doc.close()
    tmp.replace(path)
    return pages


def _attach_pdf(lib: Library, paper_id: int, title: str, authors: tuple[str, ...], abstract: str) -> None:
    """Generate a PDF and attach it through the core (copied into ``pdfs/``, text indexed)."""
    from readinglist.services.attachments import attach_file

    with tempfile.TemporaryDirectory(prefix="readinglist-demo-") as tmp:
        src = Path(tmp) / f"paper-{paper_id}.pdf"
        make_demo_pdf(src, title, authors, abstract)
        attach_file(lib, paper_id, src, source="demo")


def populate_demo(
    lib: Library,
    *,
    papers: int = 200,
    days: int = 10,
    seed: int = 7,
    pdfs: int = 2,
    today: dt.date | None = None,
) -> None:
    """Fill ``lib`` with ``papers`` generated papers spread over ``days`` feed days up to ``today``."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    make_key = lib.make_citekey
    feed_days = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    per_day = max(1, papers // max(1, days))
    serial = 0
    day_items: dict[dt.date, list[FeedItem]] = {d: [] for d in feed_days}
    for i, day in enumerate(feed_days):
        count = per_day if i < len(feed_days) - 1 else papers - per_day * (len(feed_days) - 1)
        for _ in range(max(0, count)):
            serial += 1
            upvotes = max(0, int(rng.paretovariate(1.3) * 3) - 2)
            meta = _meta(rng, day, serial)
            day_items[day].append(FeedItem(meta, day, upvotes, rng.randint(0, 9)))
            if i + 1 < len(feed_days) and rng.random() < 0.05:  # trending again the next day
                nxt = feed_days[i + 1]
                day_items[nxt].append(FeedItem(meta, nxt, upvotes + rng.randint(1, 20), 0))
    # The demo's own history would only be noise in the user's undo list.
    with lib.change("Demo library", undoable=False) as tx:
        for day, items in day_items.items():
            ingest.ingest_feed_items(tx, day, items, make_key=make_key)
        _user_data(lib, rng)
    for row in lib.get_many(lib.paper_ids(PaperFilter(dismissed=None), limit=max(0, pdfs))):
        _attach_pdf(lib, row.id, row.title, row.authors, row.abstract)


def _user_data(lib: Library, rng: random.Random) -> None:
    with lib.read() as s:
        ids = list(
            s.execute(select(Paper.id).order_by(Paper.last_feed_date.desc(), Paper.upvotes.desc())).scalars()
        )
    if not ids:
        return
    saved = [i for i in ids if rng.random() < 0.3] or ids[:1]
    papers_ops.save(lib, saved)
    papers_ops.dismiss(lib, [i for i in ids if i not in saved and rng.random() < 0.08])
    papers_ops.set_status(lib, [i for i in saved if rng.random() < 0.3], "read")
    papers_ops.set_status(lib, [i for i in saved if rng.random() < 0.15], "reading")
    papers_ops.star(lib, [i for i in saved if rng.random() < 0.2] or saved[:1])
    names = list(_TAGS)
    for pid in saved:
        if rng.random() < 0.6:
            papers_ops.tag(lib, [pid], rng.sample(names, rng.choice((1, 1, 2, 3))))
    for name, color in _TAGS.items():
        if color and any(t.name == name for t in lib.tags()):
            tagging.set_color(lib, name, color)
    for pid, note in zip(saved[::3], _NOTES, strict=False):
        papers_ops.set_note(lib, pid, note)
    reading_lists.create(lib, "Thesis background")
    reading_lists.create(lib, "Reading group")
    reading_lists.add(lib, "Thesis background", saved[: max(1, len(saved) // 3)])
    reading_lists.add(lib, "Reading group", ids[:4])
    alerts.save_search(lib, "Efficient attention", "attention efficient", alert=True)
    with lib.change("Demo alerts", undoable=False) as tx:
        sid = tx.session.execute(
            select(SavedSearch.id).where(SavedSearch.name == "Efficient attention")
        ).scalar_one()
        for pid in ids[:30:7]:
            tx.session.add(AlertMatch(search_id=sid, paper_id=pid, seen=False))
        tx.touched(searches=True)
