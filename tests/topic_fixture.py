"""A feed day with two topics nobody could confuse: protein folding and speech recognition.

Added on top of the recorded days of :mod:`tests.recommend_fixture`, as the newest day.
"""

from __future__ import annotations

import datetime as dt

from readinglist.records import FeedItem, PaperMeta
from readinglist.services import ingest
from readinglist.services.library import Library

DAY = dt.date(2026, 9, 1)
PROTEIN = (
    "Protein structure prediction with folding diffusion",
    "Protein folding from amino acid sequences",
    "Predicting protein structure and folding pathways",
    "Protein backbone folding with structure priors",
    "Amino acid contact maps for protein folding",
)
SPEECH = (
    "Speech recognition for noisy audio transcription",
    "Streaming speech recognition of spoken audio",
    "Audio transcription with speech recognition models",
    "Low-resource speech recognition and spoken audio",
)
ABSTRACT = {
    "protein": "We study protein folding: predicting the folded protein structure from the amino acid "
    "sequence, protein backbones, residue contacts and folding pathways of proteins.",
    "speech": "We study speech recognition: transcribing spoken audio to text, acoustic models, "
    "noisy speech, streaming audio transcription and spoken language.",
}


def ids_of(prefix: str, n: int) -> list[str]:
    return [f"2609.{prefix}{k:03d}" for k in range(n)]


PROTEIN_IDS = ids_of("10", len(PROTEIN))
SPEECH_IDS = ids_of("20", len(SPEECH))


def add_day(lib: Library, day: dt.date = DAY) -> None:
    items = []
    for topic, titles, ids in (("protein", PROTEIN, PROTEIN_IDS), ("speech", SPEECH, SPEECH_IDS)):
        for n, (title, arxiv_id) in enumerate(zip(titles, ids, strict=True)):
            meta = PaperMeta(
                title=title,
                authors=(f"Ana {topic.title()} {n}",),
                arxiv_id=arxiv_id,
                version=1,
                abstract=ABSTRACT[topic],
                published=day,
            )
            items.append(FeedItem(meta, day, upvotes=10 + n))
    with lib.change(f"Sync {day}", undoable=False) as tx:
        ingest.ingest_feed_items(tx, day, items, make_key=lib.make_citekey)
        tx.touched(feed=True)
