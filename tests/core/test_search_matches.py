"""Why a paper matched: highlighted title, a fragment, and PDF pages, from FTS5 itself."""

from __future__ import annotations

import pytest

from readinglist.db import fts
from readinglist.records import PaperMeta
from readinglist.search import MARK_CLOSE, MARK_OPEN
from readinglist.services import papers
from readinglist.services.library import Library

OPEN, CLOSE = MARK_OPEN, MARK_CLOSE


def _papers(lib: Library) -> tuple[int, int, int]:
    ids, _ = papers.upsert(
        lib,
        [
            PaperMeta(
                title="Sparse Routing for Mixtures", arxiv_id="2401.00001", abstract="We study experts."
            ),
            PaperMeta(
                title="Dense Models",
                arxiv_id="2401.00002",
                abstract="A long abstract that mentions routing only once, near the end of a sentence.",
            ),
            PaperMeta(title="Unrelated Title", arxiv_id="2401.00003", abstract="Nothing to see."),
        ],
        save=True,
    )
    with lib.change("Index a test PDF's text", undoable=False) as tx:
        fts.replace_pdf_text(tx.session, ids[2], ["intro", "the zanzibar protocol", "more zanzibar here"])
    return ids[0], ids[1], ids[2]


@pytest.mark.backends
def test_title_matches_are_highlighted_and_abstract_matches_get_a_fragment(blib: Library) -> None:
    lib = blib  # the same fragments on SQLite (FTS5 snippet) and PostgreSQL (ts_headline)
    a, b, _ = _papers(lib)
    info = lib.match_info("routing", [a, b])
    assert info[a].title == f"Sparse {OPEN}Routing{CLOSE} for Mixtures"
    assert info[a].snippet == ""  # the title says it already
    assert info[b].title == "Dense Models"
    assert f"{OPEN}routing{CLOSE}" in info[b].snippet
    assert info[b].abstract is None  # only on request
    full = lib.match_info("routing", [b], full=True)[b]
    assert (
        full.abstract
        == f"A long abstract that mentions {OPEN}routing{CLOSE} only once, near the end of a sentence."
    )


@pytest.mark.backends
def test_pdf_hits_carry_their_pages_and_a_fragment(blib: Library) -> None:
    lib = blib  # the same fragments on SQLite (FTS5 snippet) and PostgreSQL (ts_headline)
    _, _, c = _papers(lib)
    hits = lib.search("zanzibar")
    assert [(h.paper_id, h.pages) for h in hits] == [(c, (2, 3))]
    info = lib.match_info("zanzibar", [c])[c]
    assert info.pdf_pages == (2, 3)
    assert info.pdf_snippet == f"the {OPEN}zanzibar{CLOSE} protocol"
    assert info.title == "Unrelated Title"


def test_filters_alone_explain_nothing(lib: Library) -> None:
    a, _, _ = _papers(lib)
    assert lib.match_info("is:saved", [a]) == {}
