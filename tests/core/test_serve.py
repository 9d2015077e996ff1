"""The Better-BibTeX-compatible server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from readinglist.records import PaperMeta
from readinglist.serve.server import CitationServer
from readinglist.services import papers, reading_lists


@pytest.fixture
def served(lib: object) -> Iterator[tuple[CitationServer, list[int]]]:
    ids, _ = papers.upsert(
        lib,  # type: ignore[arg-type]
        [PaperMeta(title="Attention Is All You Need", authors=("Ashish Vaswani",), arxiv_id="1706.03762", year=2017),
         PaperMeta(title="Jina CLIP: Your CLIP Model", authors=("Ilse Brandt",), arxiv_id="2405.20204", year=2024)],
        save=True,
    )  # fmt: skip
    reading_lists.create(lib, "Thesis/Chapter 2")  # type: ignore[arg-type]
    reading_lists.add(lib, "Thesis/Chapter 2", [ids[1]])  # type: ignore[arg-type]
    papers.tag(lib, [ids[0]], ["transformers"])  # type: ignore[arg-type]
    picks: list[list[str] | None] = [["vaswani2017attention", "brandt2024jina"]]
    server = CitationServer(lib, 0, picker=lambda: picks[0])  # type: ignore[arg-type]
    server.start()
    yield server, ids
    server.stop()


def get(server: CitationServer, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    con = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    con.request("GET", path, headers=headers or {})
    resp = con.getresponse()
    body = resp.read().decode("utf-8")
    assert resp.getheader("Access-Control-Allow-Origin") is None
    con.close()
    return resp.status, body


def test_probe_answers_ready(served: tuple[CitationServer, list[int]]) -> None:
    assert get(served[0], "/better-bibtex/cayw?probe=1") == (200, "ready")


@pytest.mark.parametrize("query,expected", [
    ("format=pandoc", "@vaswani2017attention; @brandt2024jina"),
    ("format=pandoc&brackets=1", "[@vaswani2017attention; @brandt2024jina]"),
    ("format=latex", "\\cite{vaswani2017attention,brandt2024jina}"),
    ("format=latex&command=citet", "\\citet{vaswani2017attention,brandt2024jina}"),
    ("format=biblatex", "\\autocite{vaswani2017attention,brandt2024jina}"),
    ("format=json", '[{"citekey": "vaswani2017attention"}, {"citekey": "brandt2024jina"}]'),
])  # fmt: skip
def test_cayw_returns_the_picked_keys_in_the_asked_format(
    served: tuple[CitationServer, list[int]], query: str, expected: str
) -> None:
    assert get(served[0], f"/better-bibtex/cayw?{query}") == (200, expected)


def test_cayw_formatted_citation_and_translate(served: tuple[CitationServer, list[int]]) -> None:
    status, body = get(served[0], "/better-bibtex/cayw?format=formatted-bibliography&style=apa")
    assert status == 200 and "Vaswani, A. (2017). Attention Is All You Need" in body
    status, body = get(served[0], "/better-bibtex/cayw?format=translate&translator=biblatex")
    assert status == 200 and "@online{brandt2024jina," in body and "@online{vaswani2017attention," in body


def test_pull_export_of_a_list_a_tag_and_the_library(served: tuple[CitationServer, list[int]]) -> None:
    server, _ids = served
    status, body = get(server, "/better-bibtex/export/collection?/1/Thesis%2FChapter%202.bib")
    assert status == 200 and "@misc{brandt2024jina," in body and "vaswani" not in body
    status, body = get(server, "/better-bibtex/collection?/Thesis/Chapter 2.biblatex".replace(" ", "%20"))
    assert status == 200 and "@online{brandt2024jina," in body and "eprinttype = {arxiv}" in body
    status, body = get(server, "/better-bibtex/export/tag?/transformers.json")
    assert status == 200 and '"id": "vaswani2017attention"' in body and "brandt" not in body
    status, body = get(server, "/better-bibtex/export/library?/1/library.bib")
    assert status == 200 and body.count("@misc{") == 2
    assert get(server, "/better-bibtex/export/collection?/No Such List.bib".replace(" ", "%20"))[0] == 404
    assert get(server, "/better-bibtex/export/library?/1/library.docx")[0] == 400


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Host": "evil.example:23120"},
    {"Host": "127.0.0.1:1"},
])  # fmt: skip
def test_browser_pages_and_foreign_hosts_are_refused(
    served: tuple[CitationServer, list[int]], headers: dict[str, str]
) -> None:
    status, body = get(served[0], "/better-bibtex/export/library?/1/library.bib", headers)
    assert status == 403 and "@misc" not in body
    assert get(served[0], "/better-bibtex/cayw?probe=1", headers)[0] == 403


def test_without_a_picker_cayw_says_the_app_is_needed(lib: object) -> None:
    server = CitationServer(lib, 0)  # type: ignore[arg-type]
    server.start()
    try:
        status, body = get(server, "/better-bibtex/cayw?format=pandoc")
        assert status == 503 and "needs the readinglist app" in body
        assert get(server, "/better-bibtex/cayw?probe=1") == (200, "ready")
    finally:
        server.stop()


def test_a_cancelled_pick_answers_empty(served: tuple[CitationServer, list[int]]) -> None:
    served[0].picker = lambda: None
    assert get(served[0], "/better-bibtex/cayw?format=pandoc") == (200, "")
