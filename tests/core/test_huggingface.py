"""Hugging Face Daily Papers and search: golden parses of the project's fixtures, and fetching."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from readinglist.errors import FeedFormatError, NetworkError
from readinglist.records import FeedDay, FeedItem
from readinglist.sources.http import Http, HttpPolicy
from readinglist.sources.huggingface import (
    clean_abstract,
    daily_url,
    fetch_daily,
    fetch_search,
    parse_daily,
    parse_search,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf"
DAYS = sorted((FIXTURES / "daily_papers").glob("*.json"))


def load(day: str) -> FeedDay:
    return parse_daily((FIXTURES / "daily_papers" / f"{day}.json").read_bytes(), dt.date.fromisoformat(day))


def item(feed: FeedDay, arxiv_id: str) -> FeedItem:
    matches = [i for i in feed.items if i.paper.arxiv_id == arxiv_id]
    assert len(matches) == 1, f"{arxiv_id} not found exactly once"
    return matches[0]


def fast_http(**policy: object) -> Http:
    defaults: dict[str, object] = {"retries": 2, "backoff": 0.01, "read_timeout": 5.0}
    defaults.update(policy)
    return Http(HttpPolicy(**defaults), sleep=lambda s: None)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- every fixture day -----------------------------------------------------------------------


@pytest.mark.parametrize("path", DAYS, ids=[p.stem for p in DAYS])
def test_every_fixture_day_parses_completely(path: Path) -> None:
    day = dt.date.fromisoformat(path.stem)
    raw = json.loads(path.read_bytes())
    feed = parse_daily(path.read_bytes(), day)
    assert feed.date == day
    assert feed.skipped == ()
    assert len(feed.items) == len(raw)
    assert [i.paper.arxiv_id for i in feed.items] == [e["paper"]["id"] for e in raw]
    for it in feed.items:
        assert it.feed_date == day
        assert "\n" not in it.paper.title and "  " not in it.paper.title
        assert it.paper.abstract == it.paper.abstract.strip()
        assert "\n\n\n" not in it.paper.abstract
        assert it.paper.published is not None and it.paper.published <= day


def test_fixture_days_are_the_documented_set() -> None:
    counts = {p.stem: len(load(p.stem).items) for p in DAYS}
    assert counts == {
        "2024-05-30": 4,
        "2024-05-31": 6,
        "2024-06-27": 4,
        "2025-01-18": 0,
        "2025-10-08": 5,
        "2026-08-19": 4,
    }


# --- 2024-05: the oldest schema ---------------------------------------------------------------


def test_2024_05_31_golden() -> None:
    feed = load("2024-05-31")
    assert [(i.paper.arxiv_id, i.upvotes) for i in feed.items] == [
        ("2405.20204", 28),
        ("2405.19107", 17),
        ("2405.20341", 15),
        ("2405.19988", 11),
        ("2405.20077", 7),
        ("2405.18702", 0),
    ]
    jina = item(feed, "2405.20204")
    assert jina.paper.title == "Jina CLIP: Your CLIP Model Is Also Your Text Retriever"
    assert jina.paper.authors == (
        "Ilse Brandt",
        "Jonas Weber",
        "Priya Raman",
        "Kenji Okada",
        "Sofia Marquez",
        "Lukas Meyer",
    )
    assert jina.num_comments == 2
    assert jina.submitted_by is None  # no submittedBy before mid-June 2024
    assert jina.paper.version is None
    assert "contrastive" in jina.paper.abstract and "retrieval" in jina.paper.abstract
    assert "\n" not in jina.paper.abstract  # one hard-wrapped paragraph, unwrapped
    assert "text-to-text retrieval, so production systems" in jina.paper.abstract  # wrap point joined
    # paper.publishedAt (arXiv v1) is 2024-05-30; the top-level publishedAt is the posting day
    assert jina.paper.published == dt.date(2024, 5, 30)
    assert jina.paper.github_repo is None and jina.paper.ai_summary is None and jina.paper.ai_keywords == ()


def test_hard_wrapped_title_is_unwrapped() -> None:
    raw = json.loads((FIXTURES / "daily_papers" / "2024-05-31.json").read_bytes())
    wrapped = next(e for e in raw if e["paper"]["id"] == "2405.19988")
    assert "\n  " in wrapped["paper"]["title"]  # the fixture has the quirk...
    assert "\n" not in wrapped["title"]  # ...and the 2024 top-level title does not
    assert item(load("2024-05-31"), "2405.19988").paper.title == wrapped["title"]


def test_indented_line_starts_a_new_paragraph() -> None:
    abstract = item(load("2024-05-30"), "2405.19320").paper.abstract
    first, second = abstract.split("\n\n")
    assert first.endswith("quantities independently.")
    assert second.startswith("Across 1,200 training runs")
    assert "\n" not in first and "\n" not in second


def test_same_paper_on_two_days_with_different_upvotes() -> None:
    earlier = item(load("2024-05-30"), "2405.19107")
    later = item(load("2024-05-31"), "2405.19107")
    assert (earlier.upvotes, earlier.feed_date) == (6, dt.date(2024, 5, 30))
    assert (later.upvotes, later.feed_date) == (17, dt.date(2024, 5, 31))
    assert earlier.paper == later.paper  # same metadata; only the feed appearance differs


# --- 2024-06: hidden authors and Unicode ------------------------------------------------------


def test_hidden_authors_are_kept_in_order_with_unicode() -> None:
    mesh = item(load("2024-06-27"), "2406.18211")
    assert mesh.paper.authors == (
        "Aiko Tanaka",
        "Greta Günther",
        "Pablo Martínez",  # hidden
        "Xinyi Lù",  # hidden, linked account with the ASCII fullname "Xinyi Lu"
        "Wojciech Cłapa",
        "Nadia Benali",  # hidden
        "Olaf Sørensen",
    )
    assert mesh.submitted_by == "papercrane"
    assert (mesh.upvotes, mesh.num_comments) == (21, 2)


def test_unicode_is_not_normalized_or_transliterated() -> None:
    feed = load("2024-06-27")
    names = [a for i in feed.items for a in i.paper.authors]
    assert "Xinyi Lu" not in names  # the user's fullname never replaces the author name
    assert "José Ángel Ruiz" in names and "Zoë Hartmann" in names and "Sven Åkesson" in names
    assert all(n.encode("utf-8").decode("utf-8") == n for n in names)


# --- 2025-10: ai fields, HTML, <EOS>, LaTeX, the timezone trap --------------------------------


def test_2025_10_08_golden() -> None:
    feed = load("2025-10-08")
    assert [(i.paper.arxiv_id, i.upvotes, i.submitted_by) for i in feed.items] == [
        ("2510.05512", 44, "hsato"),
        ("2510.04417", 19, "lhaddad"),
        ("2510.06090", 31, "jwisniewski"),
        ("2509.26771", 8, "therrera"),
        ("2510.05876", 0, "fsiddiqui"),
    ]
    stream = item(feed, "2510.05512").paper
    assert (
        stream.title == "StreamWeaver: Real-Time Video Diffusion with Rolling Noise Schedules and Key Caches"
    )
    assert stream.github_repo == "https://github.com/streamweaver/streamweaver"
    assert stream.project_page == "https://streamweaver.github.io/"
    assert stream.ai_keywords == (
        "video diffusion",
        "streaming generation",
        "rolling noise schedule",
        "key caching",
        "real-time",
    )
    assert stream.ai_summary is not None and stream.ai_summary.startswith("StreamWeaver streams")


def test_published_comes_from_paper_not_the_shifted_top_level() -> None:
    raw = json.loads((FIXTURES / "daily_papers" / "2025-10-08.json").read_bytes())
    entry = next(e for e in raw if e["paper"]["id"] == "2510.05512")
    assert entry["publishedAt"].startswith("2025-10-05T22:41")  # paper.publishedAt - 4 h: the day before
    assert item(load("2025-10-08"), "2510.05512").paper.published == dt.date(2025, 10, 6)


def test_html_is_kept_literal_and_unwrapped() -> None:
    abstract = item(load("2025-10-08"), "2510.05512").paper.abstract
    assert abstract.endswith('<a href="https://streamweaver.github.io/">this https URL.</a>')


def test_eos_token_is_kept_literal() -> None:
    abstract = item(load("2025-10-08"), "2510.04417").paper.abstract
    assert "the hidden state of the last <EOS> token" in abstract


def test_latex_is_kept_literal() -> None:
    paper = item(load("2025-10-08"), "2510.06090").paper
    assert (
        paper.title
        == "Near-Linear Attention by Sketching: Beating $O(n^2)$ Without Approximating the Softmax"
    )
    assert paper.abstract.startswith("Softmax attention costs $O(n^2)$ time")
    assert "$k \\ll n$" in paper.abstract and "$\\mathcal{O}(n \\log n)$" in paper.abstract
    assert paper.abstract.count("\n\n") == 1  # the indented second paragraph


def test_missing_optional_fields_are_none() -> None:
    paper = item(load("2025-10-08"), "2510.04417").paper
    assert paper.github_repo is None and paper.project_page is None
    assert item(load("2025-10-08"), "2510.05876").paper.ai_keywords == ()


# --- 2026-08: newest schema -------------------------------------------------------------------


def test_2026_08_19_golden() -> None:
    feed = load("2026-08-19")
    assert [(i.paper.arxiv_id, i.upvotes, i.num_comments) for i in feed.items] == [
        ("2608.17765", 97, 4),
        ("2608.16230", 40, 1),
        ("2608.17019", 22, 0),
        ("2608.15502", 13, 2),
    ]
    # midnight paper.publishedAt; the top-level one (20:00 the day before) must not win
    assert {i.paper.published for i in feed.items} == {dt.date(2026, 8, 18)}
    harbor = item(feed, "2608.17765")
    assert harbor.submitted_by == "mrossi"
    assert harbor.paper.github_repo == "https://github.com/harbor-ai/harbor"
    orbit = item(feed, "2608.17019").paper
    assert orbit.ai_summary is None and orbit.ai_keywords == ()
    assert orbit.project_page == "https://orbitbench.github.io/"
    kv = item(feed, "2608.15502").paper
    assert "sudden failures on some prompts. We trace the failures" in kv.abstract  # single \n joined


def test_empty_day() -> None:
    feed = load("2025-01-18")
    assert feed == FeedDay(date=dt.date(2025, 1, 18), items=(), skipped=())


# --- malformed input --------------------------------------------------------------------------


def test_bad_items_are_skipped_with_reasons() -> None:
    day = dt.date(2025, 10, 7)
    feed = parse_daily((FIXTURES / "malformed" / "bad_items.json").read_bytes(), day)
    assert [(i.paper.arxiv_id, i.upvotes) for i in feed.items] == [("2510.07001", 5), ("2510.07007", 6)]
    assert feed.skipped == (
        "item 2 (2510.07002): paper.upvotes is not an integer",
        "item 3 (2510.07003): paper.title is missing",
        "item 4 (2510.07004): paper.authors[0] has no name",
        "item 5 (not-an-id): paper.id 'not-an-id' is not an arXiv id",
        "item 6 (no id): paper is missing or not an object",
        "item 8 (2510.07001): listed twice on 2025-10-07; the first is kept",
        "item 9 (2510.07009): paper.upvotes is not an integer",
    )


def test_optional_fields_of_the_wrong_type_are_ignored() -> None:
    feed = parse_daily((FIXTURES / "malformed" / "bad_items.json").read_bytes(), dt.date(2025, 10, 7))
    odd = item(feed, "2510.07007")
    assert odd.paper.authors == ("Ada Lovelace", "Charles Babbage")
    assert odd.paper.github_repo is None  # was 42
    assert odd.paper.project_page is None  # was a javascript: URL
    assert odd.paper.ai_keywords == ()  # was a string
    assert odd.paper.ai_summary is None  # was a list
    assert odd.paper.published is None  # was "yesterday"
    assert odd.num_comments == 0  # was "3"


def test_a_day_that_is_not_a_list_raises() -> None:
    with pytest.raises(FeedFormatError, match=r"2024-01-02 is not a JSON list but a JSON dict"):
        parse_daily((FIXTURES / "malformed" / "not_a_list.json").read_bytes(), dt.date(2024, 1, 2))


@pytest.mark.parametrize(
    "raw",
    [b"<!doctype html><title>Service Unavailable</title>", b"", b"[{]", b"\xff\xfe\xfa", "[" * 100_000],
    ids=["html", "empty", "broken", "not-utf8", "deep-nesting"],
)
def test_a_day_that_is_not_json_raises(raw: bytes | str) -> None:
    with pytest.raises(FeedFormatError, match="not valid JSON"):
        parse_daily(raw, dt.date(2024, 1, 2))


def test_str_input_and_bare_paper_objects() -> None:
    body = json.dumps(
        [{"id": "2401.00001", "title": " A\n  Title ", "authors": [{"name": "Ann"}], "upvotes": 1}]
    )
    feed = parse_daily(body, dt.date(2024, 1, 2))
    assert [(i.paper.arxiv_id, i.paper.title, i.num_comments) for i in feed.items] == [
        ("2401.00001", "A Title", 0)
    ]


@pytest.mark.parametrize(
    ("paper", "reason"),
    [
        ({"title": "T", "authors": [], "upvotes": 1}, "paper.id is missing"),
        ({"id": 2401.00001, "title": "T", "authors": [], "upvotes": 1}, "paper.id is not a string"),
        ({"id": "2401.00001", "title": "  ", "authors": [], "upvotes": 1}, "paper.title is empty"),
        ({"id": "2401.00001", "title": "T", "authors": "Ann", "upvotes": 1}, "paper.authors is not a list"),
        (
            {"id": "2401.00001", "title": "T", "authors": ["Ann"], "upvotes": 1},
            "paper.authors[0] has no name",
        ),
        (
            {"id": "2401.00001", "title": "T", "authors": [], "upvotes": 1.5},
            "paper.upvotes is not an integer",
        ),
        ({"id": "2401.00001", "title": "T", "authors": []}, "paper.upvotes is missing"),
        ({"id": "2413.00001", "title": "T", "authors": [], "upvotes": 1}, "is not an arXiv id"),
    ],
)
def test_skip_reasons(paper: dict[str, object], reason: str) -> None:
    feed = parse_daily(json.dumps([{"paper": paper}]), dt.date(2024, 1, 2))
    assert feed.items == ()
    assert len(feed.skipped) == 1 and feed.skipped[0].startswith("item 1 (") and reason in feed.skipped[0]


def test_non_object_entries_are_skipped() -> None:
    feed = parse_daily('[1, null, "x", []]', dt.date(2024, 1, 2))
    assert feed.items == () and len(feed.skipped) == 4
    assert feed.skipped[0] == "item 1 (no id): is not a JSON object"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
PAPER = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | st.sampled_from(["2401.00001", "2401.00002", "hep-th/9901001", "2401.1"]),
        "title": JSON | st.just("A\n  title"),
        "authors": JSON | st.lists(st.fixed_dictionaries({"name": JSON | st.just("Zoë")}), max_size=3),
        "upvotes": JSON | st.integers(0, 500),
        "summary": JSON | st.just("line\nwrapped"),
        "publishedAt": JSON | st.just("2024-01-01T10:00:00.000Z"),
        "githubRepo": JSON | st.just("https://github.com/a/b"),
        "ai_keywords": JSON,
        "ai_summary": JSON,
        "submittedOnDailyBy": JSON,
    },
)
ENTRY = st.fixed_dictionaries(
    {}, optional={"paper": PAPER | JSON, "numComments": JSON, "submittedBy": JSON, "summary": JSON}
)


@given(st.lists(ENTRY | JSON, max_size=5))
def test_every_entry_is_either_an_item_or_a_skip(entries: list[object]) -> None:
    feed = parse_daily(json.dumps(entries), dt.date(2024, 1, 2))
    assert len(feed.items) + len(feed.skipped) == len(entries)
    assert len({i.paper.arxiv_id for i in feed.items}) == len(feed.items)
    assert all(isinstance(i.upvotes, int) and not isinstance(i.upvotes, bool) for i in feed.items)
    assert len(parse_search(json.dumps(entries))) <= len(feed.items) + len(feed.skipped)


# --- clean_abstract ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  one\ntwo  three \n", "one two three"),
        ("first para\nstill first\n\nsecond", "first para still first\n\nsecond"),
        ("first\n  second starts indented\nand goes on", "first\n\nsecond starts indented and goes on"),
        ("a\r\nb", "a b"),
        (
            'keep <EOS> and <a href="x">link</a> and $\\alpha<\\beta$',
            'keep <EOS> and <a href="x">link</a> and $\\alpha<\\beta$',
        ),
        ("\n\n\n", ""),
        ("a\n\n\n\n   \n\nb", "a\n\nb"),
    ],
)
def test_clean_abstract(raw: str, clean: str) -> None:
    assert clean_abstract(raw) == clean


@given(st.text(alphabet=st.sampled_from(list("ab <>$\\\n\t\r")), max_size=60))
def test_clean_abstract_properties(text: str) -> None:
    out = clean_abstract(text)
    assert out == out.strip()
    assert "  " not in out and "\t" not in out and "\r" not in out
    assert "\n" not in out.replace("\n\n", "")  # newlines only as paragraph breaks
    assert "\n\n\n" not in out
    assert clean_abstract(out) == out  # idempotent
    assert out.replace("\n", "").replace(" ", "") == "".join(text.split())  # no visible character lost


# --- search -----------------------------------------------------------------------------------


def test_parse_search_fixture() -> None:
    results = parse_search((FIXTURES / "search" / "contrastive_retrieval.json").read_bytes())
    assert [(r.paper.arxiv_id, r.upvotes, r.num_comments, r.source) for r in results] == [
        ("2405.20204", 31, 2, "hf"),
        ("2510.04417", 19, 1, "hf"),
        ("2311.09017", 3, 0, "hf"),
    ]
    assert results[0].paper.title == "Jina CLIP: Your CLIP Model Is Also Your Text Retriever"
    assert results[0].in_library is False


def test_parse_search_attention_and_empty() -> None:
    results = parse_search((FIXTURES / "search" / "attention.json").read_bytes())
    assert results[0].paper.arxiv_id == "1706.03762"
    assert results[0].paper.authors[:2] == ("Ashish Vaswani", "Noam Shazeer")
    assert results[0].paper.published == dt.date(2017, 6, 12)
    assert parse_search((FIXTURES / "search" / "no_results.json").read_bytes()) == []


def test_parse_search_is_lenient() -> None:
    body = json.dumps(
        [
            {"id": "2402.00002", "title": "Bare paper", "authors": [{"name": "B"}], "upvotes": 4},
            {"paper": {"id": "2402.00003", "title": "No upvotes", "authors": [{"name": "C"}]}},
            {"paper": {"id": "bogus", "title": "x", "authors": []}},
            {"paper": {"id": "2402.00002", "title": "Duplicate", "authors": []}},
            "junk",
        ]
    )
    assert [(r.paper.arxiv_id, r.upvotes) for r in parse_search(body)] == [
        ("2402.00002", 4),
        ("2402.00003", 0),
    ]
    with pytest.raises(FeedFormatError):
        parse_search('{"error": "no"}')


# --- fetching over a local server --------------------------------------------------------------


def test_daily_url() -> None:
    assert daily_url("https://huggingface.co") == "https://huggingface.co/api/daily_papers"


def test_fetch_daily(httpserver: HTTPServer) -> None:
    body = (FIXTURES / "daily_papers" / "2024-05-31.json").read_bytes()
    httpserver.expect_request("/api/daily_papers", query_string={"date": "2024-05-31"}).respond_with_data(
        body, content_type="application/json"
    )
    feed = fetch_daily(fast_http(), httpserver.url_for("").rstrip("/"), dt.date(2024, 5, 31))
    assert feed == load("2024-05-31")


def test_fetch_daily_429_then_ok(httpserver: HTTPServer) -> None:
    waited: list[float] = []
    httpserver.expect_oneshot_request("/api/daily_papers").respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "2"}
    )
    httpserver.expect_request("/api/daily_papers").respond_with_data(
        (FIXTURES / "daily_papers" / "2026-08-19.json").read_bytes(), content_type="application/json"
    )
    http = Http(HttpPolicy(retries=2, backoff=0.01), sleep=waited.append)
    feed = fetch_daily(http, httpserver.url_for("").rstrip("/"), dt.date(2026, 8, 19))
    assert len(feed.items) == 4
    assert sum(waited) == pytest.approx(2.0)
    assert [r.args["date"] for r, _ in httpserver.log] == ["2026-08-19", "2026-08-19"]


def test_fetch_daily_500_forever(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("boom", status=500)
    with pytest.raises(NetworkError) as info:
        fetch_daily(fast_http(retries=2), httpserver.url_for("").rstrip("/"), dt.date(2024, 5, 31))
    assert "Hugging Face" in info.value.message
    assert "2024-05-31" in info.value.message
    assert "500" in info.value.message
    assert len(httpserver.log) == 3


def test_fetch_daily_404_names_the_date(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_json({"error": "Invalid date"}, status=400)
    with pytest.raises(
        NetworkError, match=r"Hugging Face answered HTTP 400 for the Daily Papers of 2031-01-01"
    ):
        fetch_daily(fast_http(), httpserver.url_for("").rstrip("/"), dt.date(2031, 1, 1))


def test_fetch_daily_empty_day(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("[]", content_type="application/json")
    feed = fetch_daily(fast_http(), httpserver.url_for("").rstrip("/"), dt.date(2025, 1, 18))
    assert feed.items == () and feed.skipped == ()


def test_fetch_daily_html_instead_of_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("<html>captive portal</html>")
    with pytest.raises(FeedFormatError, match="not valid JSON"):
        fetch_daily(fast_http(), httpserver.url_for("").rstrip("/"), dt.date(2024, 5, 31))


def test_fetch_daily_unreachable() -> None:
    with pytest.raises(NetworkError, match=r"2024-05-31: Hugging Face could not be reached"):
        fetch_daily(fast_http(retries=1), f"http://127.0.0.1:{closed_port()}", dt.date(2024, 5, 31))


def test_fetch_search(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/papers/search", query_string={"q": "contrastive retrieval", "limit": "2"}
    ).respond_with_data(
        (FIXTURES / "search" / "contrastive_retrieval.json").read_bytes(), content_type="application/json"
    )
    results = fetch_search(
        fast_http(), httpserver.url_for("").rstrip("/"), " contrastive retrieval ", limit=2
    )
    assert [r.paper.arxiv_id for r in results] == ["2405.20204", "2510.04417"]  # truncated to the limit


def test_fetch_search_blank_query_makes_no_request(httpserver: HTTPServer) -> None:
    assert fetch_search(fast_http(), httpserver.url_for("").rstrip("/"), "   ") == []
    assert len(httpserver.log) == 0
