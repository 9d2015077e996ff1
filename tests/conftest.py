"""Shared fixtures: a fresh library folder per test, endpoints pointed at a local server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# No test may reach a real host: point every endpoint at an address that refuses at once,
# and make arXiv's politeness delay zero. Tests that need a server set their own endpoints.
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["READINGLIST_ARXIV_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["READINGLIST_ARXIV_API"] = "http://127.0.0.1:9/api/query"
os.environ["READINGLIST_ARXIV_DELAY"] = "0"
os.environ.pop("READINGLIST_HOME", None)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def lib(library_dir: Path) -> Iterator[object]:
    from readinglist.config import Endpoints
    from readinglist.services.library import Library

    library = Library.open(
        library_dir,
        Endpoints(
            hf="http://127.0.0.1:9",
            arxiv="http://127.0.0.1:9",
            arxiv_api="http://127.0.0.1:9/api/query",
            arxiv_delay=0,
        ),
    )
    yield library
    library.close()
