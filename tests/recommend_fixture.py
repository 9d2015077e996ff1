"""A library of the recorded Hugging Face days where a user tagged papers by topic.

The user follows vision, retrieval and reasoning, and dismisses papers on model internals and
audio. The topics of the later days are the truth an evaluation holds out.
"""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest

from readinglist.cli.main import main
from readinglist.config import Endpoints
from readinglist.services import ingest, papers
from readinglist.services.library import Library
from readinglist.sources.huggingface import parse_daily

DAYS = Path(__file__).parent / "fixtures" / "hf" / "daily_papers"
# Every host a library could reach, on a port where nothing listens.
DEAD = Endpoints(
    hf="http://127.0.0.1:9", arxiv="http://127.0.0.1:9", arxiv_api="http://127.0.0.1:9/x", arxiv_delay=0
)


def refuse_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may open a connection (WordLlama's own loader would try the Hub)."""

    def refuse(self: socket.socket, address: object) -> None:
        raise OSError(f"a test tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command line in process on the library at ``root``: exit code, stdout, stderr."""
    code = main(["--library", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


TOPICS = {
    # 2024: what the user learned from
    "2405.19107": "vision", "2405.18450": "vision", "2406.18211": "vision",
    "2405.20204": "retrieval", "2405.20077": "retrieval",
    "2405.19988": "reasoning", "2406.17902": "reasoning",
    "2405.18873": None, "2405.19320": None, "2405.20341": None, "2405.18702": None,
    "2406.18455": None, "2406.18003": None,
    # 2025 and 2026: held out
    "2510.05512": "vision", "2510.05876": "vision", "2608.16230": "vision", "2608.17019": "vision",
    "2510.04417": "retrieval",
    "2509.26771": "reasoning", "2608.17765": "reasoning",
    "2510.06090": None, "2608.15502": None,
}  # fmt: skip
LATER = dt.date(2025, 1, 1)


def ingest_days(lib: Library) -> None:
    for path in sorted(DAYS.glob("*.json")):
        day = dt.date.fromisoformat(path.stem)
        feed = parse_daily(path.read_bytes(), day)
        with lib.change(f"Sync {day}", undoable=False) as tx:
            ingest.ingest_feed_items(tx, day, feed.items, make_key=lib.make_citekey)
            tx.touched(feed=True)


def judge(lib: Library, *, later: bool) -> None:
    """Tag (and so keep) the papers of a topic, dismiss the others; the 2024 ones, or all."""
    for arxiv_id, topic in TOPICS.items():
        if not later and arxiv_id[:2] >= "25":
            continue
        pid = lib.resolve(arxiv_id)
        if topic:
            papers.tag(lib, [pid], [topic])
        else:
            papers.dismiss(lib, [pid])


def build(lib: Library, *, later: bool = True) -> Library:
    ingest_days(lib)
    judge(lib, later=later)
    return lib
