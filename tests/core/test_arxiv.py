"""arXiv ids, the Atom parser on both feed layouts, and the rate-limited client."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import socket
import threading
import time
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from readinglist.errors import Cancelled, FeedFormatError, InvalidIdentifier, NetworkError
from readinglist.sources.archives import OLD_ARCHIVES
from readinglist.sources.arxiv import (
    ArxivClient,
    ArxivFeed,
    abs_url,
    collapse_whitespace,
    parse_feed,
    pdf_url,
)
from readinglist.sources.arxiv_ids import format_id, is_arxiv_id, parse_id
from readinglist.sources.http import Http, HttpPolicy
from readinglist.sources.huggingface import parse_daily

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
QUERY = FIXTURES / "arxiv" / "query"
SEARCH = FIXTURES / "arxiv" / "search"
SEARCH_QUERY = "ti:contrastive AND cat:cs.CV"


def feed_of(name: str) -> ArxivFeed:
    return parse_feed((QUERY / name).read_bytes())


def fast_http(**policy: object) -> Http:
    defaults: dict[str, object] = {"retries": 2, "backoff": 0.01, "read_timeout": 5.0}
    defaults.update(policy)
    return Http(HttpPolicy(**defaults), sleep=lambda s: None)  # type: ignore[arg-type]


def client(httpserver: HTTPServer, delay: float = 0.0, **policy: object) -> ArxivClient:
    return ArxivClient(fast_http(**policy), httpserver.url_for("/api/query"), delay)


def atom(entries: list[str], total: int | None = None, start: int = 0, per_page: int = 100) -> bytes:
    """A minimal arXiv-shaped feed, for answers built from the request."""
    total = len(entries) if total is None else total
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        f"<opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>" + "".join(entries) + "</feed>"
    ).encode()


def atom_entry(vid: str, title: str = "A title") -> str:
    return (
        f"<entry><id>http://arxiv.org/abs/{vid}</id><title>{title}</title>"
        "<updated>2024-01-02T00:00:00Z</updated><published>2024-01-01T00:00:00Z</published>"
        "<summary>Text.</summary><author><name>A. Author</name></author>"
        '<arxiv:primary_category term="cs.LG"/><category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>'
        "</entry>"
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- identifiers: examples --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2405.20204", ("2405.20204", None)),
        ("2405.20204v2", ("2405.20204", 2)),
        ("  arXiv:2405.20204v12 \n", ("2405.20204", 12)),
        ("ARXIV:1706.03762", ("1706.03762", None)),
        ("arxiv: 1706.03762v7", ("1706.03762", 7)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.9999v3", ("1412.9999", 3)),
        ("1501.00001", ("1501.00001", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("HEP-TH/9901001", ("hep-th/9901001", None)),
        ("math.GT/0309136", ("math/0309136", None)),  # the subject class is not part of the id
        ("cond-mat.mes-hall/0101001v1", ("cond-mat/0101001", 1)),
        ("arXiv:astro-ph/0601001", ("astro-ph/0601001", None)),
        ("https://arxiv.org/abs/2405.20204", ("2405.20204", None)),
        ("http://arxiv.org/abs/2405.20204v1", ("2405.20204", 1)),
        ("https://www.arxiv.org/pdf/2405.20204v2", ("2405.20204", 2)),
        ("https://arxiv.org/pdf/2405.20204v2.pdf", ("2405.20204", 2)),
        ("https://export.arxiv.org/abs/hep-th/9901001v3/", ("hep-th/9901001", 3)),
        ("https://arxiv.org/html/2405.20204v1#S3", ("2405.20204", 1)),
        ("https://arxiv.org/abs/2405.20204?context=cs", ("2405.20204", None)),
        ("https://arxiv.org/pdf/math.GT/0309136.pdf", ("math/0309136", None)),
        ("https://huggingface.co/papers/2405.20204", ("2405.20204", None)),
        ("http://huggingface.co/papers/2405.20204/?utm=x#comments", ("2405.20204", None)),
        ("arxiv.org/abs/2405.20204", ("2405.20204", None)),
        ("HTTPS://ARXIV.ORG/abs/2405.20204", ("2405.20204", None)),
    ],
)
def test_parse_id_accepts(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_id(text) == expected
    assert is_arxiv_id(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("foo", ""),
        ("", ""),
        ("2405.2020", "4-digit numbers"),  # 2024 ids have 5 digits
        ("1412.00001", "5-digit numbers"),
        ("0703.0001", "4-digit numbers"),  # before new-style ids existed
        ("2413.00001", "month 13"),
        ("2400.00001", "month 00"),
        ("0000.0000", "month 00"),
        ("2405.00000", "start at 1"),
        ("2405.20204v0", ""),
        ("2405.20204v", ""),
        ("2405.20204 v2", ""),
        ("2405.202045", ""),
        ("hep-th/9901001x", ""),
        ("foo/9901001", "unknown archive"),
        ("hep-th/0704001", "old-style ids run"),
        ("hep-th/9001001", "old-style ids run"),
        ("hep-th/99010011", ""),
        ("https://example.org/abs/2405.20204", ""),
        ("ftp://arxiv.org/abs/2405.20204", ""),
        ("https://arxiv.org/list/cs.LG/recent", ""),
        ("https://huggingface.co/datasets/2405.20204", ""),
        ("doi:10.1000/182", ""),
        ("Vaswani2017attention", ""),
    ],
)
def test_parse_id_rejects(text: str, why: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_id(text)
    message = info.value.message
    assert message.startswith(f"{text.strip()!r} is not an arXiv id or URL")
    assert "expected e.g. 2405.20204 or hep-th/9901001" in message
    assert why in message
    assert not is_arxiv_id(text)


def test_collapse_whitespace_is_the_whitespace_pattern_over_every_code_point() -> None:
    """It splits instead of using re.sub: the two must agree on what whitespace is."""
    import re
    import sys

    pattern = re.compile(r"\s+")
    for cp in range(sys.maxunicode + 1):
        text = f" a{chr(cp)}\n b {chr(cp)}"
        assert collapse_whitespace(text) == pattern.sub(" ", text).strip(), hex(cp)


def test_format_and_urls() -> None:
    assert format_id("2405.20204", 2) == "2405.20204v2"
    assert format_id("2405.20204", None) == "2405.20204"
    assert abs_url("https://arxiv.org", "2405.20204") == "https://arxiv.org/abs/2405.20204"
    assert pdf_url("https://arxiv.org", "2405.20204", 3) == "https://arxiv.org/pdf/2405.20204v3"
    assert pdf_url("https://arxiv.org", "hep-th/9901001", 1) == "https://arxiv.org/pdf/hep-th/9901001v1"


# --- identifiers: properties ------------------------------------------------------------------

MONTHS = st.integers(1, 12)


@st.composite
def new_style(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # 2015 on: five digits
        return f"{draw(st.integers(15, 99)):02d}{draw(MONTHS):02d}.{draw(st.integers(1, 99999)):05d}"
    yymm = draw(st.integers(704, 1412).filter(lambda v: 1 <= v % 100 <= 12))
    return f"{yymm:04d}.{draw(st.integers(1, 9999)):04d}"


@st.composite
def old_style(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, normalized): archive[.SUBJ]/YYMMNNN between 9107 and 0703."""
    year = draw(st.sampled_from([*range(1991, 2000), *range(2000, 2008)]))
    low, high = (7 if year == 1991 else 1), (3 if year == 2007 else 12)
    yymm = f"{year % 100:02d}{draw(st.integers(low, high)):02d}"
    archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
    number = f"{draw(st.integers(1, 999)):03d}"
    subject = draw(st.sampled_from(["", ".GT", ".CO", ".mes-hall", ".str-el", ".AI"]))
    typed = draw(st.sampled_from([archive, archive.upper()])) + subject
    return f"{typed}/{yymm}{number}", f"{archive}/{yymm}{number}"


@st.composite
def wrapped(draw: st.DrawFn) -> tuple[str, str, int | None]:
    """(text a user might paste, normalized id, version)."""
    if draw(st.booleans()):
        typed = normal = draw(new_style())
    else:
        typed, normal = draw(old_style())
    version = draw(st.one_of(st.none(), st.integers(1, 30)))
    ident = format_id(typed, version)
    scheme = draw(st.sampled_from(["https://", "http://", ""]))
    host = draw(st.sampled_from(["arxiv.org", "www.arxiv.org", "export.arxiv.org"]))
    tail = draw(st.sampled_from(["", "/", "?context=cs", "#S2", "/?a=1#b"]))
    text = draw(
        st.sampled_from(
            [
                ident,
                f"arXiv:{ident}",
                f"ARXIV:{ident}",
                f"{scheme}{host}/abs/{ident}{tail}",
                f"{scheme}{host}/pdf/{ident}{tail}",
                f"{scheme}{host}/pdf/{ident}.pdf{tail}",
                f"{scheme}{host}/html/{ident}{tail}",
                f"{scheme}huggingface.co/papers/{ident}{tail}",
            ]
        )
    )
    space = draw(st.sampled_from(["", " ", "\t", "\n  "]))
    return f"{space}{text}{space}", normal, version


@given(wrapped())
def test_valid_ids_round_trip(case: tuple[str, str, int | None]) -> None:
    text, normal, version = case
    assert parse_id(text) == (normal, version)
    assert parse_id(format_id(normal, version)) == (normal, version)
    assert is_arxiv_id(text)


JUNK = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A\d{4}\.\d{3,6}(v\d{0,3})?\Z"),
    st.from_regex(r"\A[a-zA-Z.-]{1,12}/\d{6,8}(v\d)?\Z"),
    st.from_regex(
        r"\A(https?://)?(www\.|export\.)?(arxiv\.org|huggingface\.co)/(abs|pdf|html|papers)/.{0,16}\Z"
    ),
)


@given(JUNK)
@example("arXiv:")
@example("https://arxiv.org/abs/")
@example("https://arxiv.org/pdf/.pdf")
@example("huggingface.co/papers/")
@example("http://[::1")
def test_junk_raises_invalid_identifier_or_parses(text: str) -> None:
    try:
        normal, version = parse_id(text)
    except InvalidIdentifier as exc:
        assert "is not an arXiv id or URL" in exc.message
        assert not is_arxiv_id(text)
    else:
        assert parse_id(format_id(normal, version)) == (normal, version)


@given(st.integers(0, 99), st.integers(13, 99), st.integers(1, 99999))
def test_bad_months_are_rejected(yy: int, mm: int, num: int) -> None:
    with pytest.raises(InvalidIdentifier, match=f"month {mm:02d}"):
        parse_id(f"{yy:02d}{mm:02d}.{num:05d}")


# --- the Atom parser --------------------------------------------------------------------------


def test_parse_2026_format() -> None:
    feed = feed_of("2405.20204.xml")
    assert (feed.total, feed.start, feed.per_page) == (1, 0, 100)
    (paper,) = feed.entries
    assert (paper.arxiv_id, paper.version) == ("2405.20204", 2)
    assert paper.title == "Jina CLIP: Your CLIP Model Is Also Your Text Retriever"
    assert paper.authors == (
        "Ilse Brandt",
        "Jonas Weber",
        "Priya Raman",
        "Kenji Okada",
        "Sofia Marquez",
        "Lukas Meyer",
    )
    assert (paper.published, paper.updated) == (dt.date(2024, 5, 30), dt.date(2024, 6, 6))
    assert paper.primary_category == "cs.CL"
    assert paper.categories == ("cs.CL", "cs.AI", "cs.CV", "cs.IR")
    assert paper.comment == "4 pages, accepted at a workshop on multimodal foundation models"
    assert paper.doi is None and paper.journal_ref is None


def test_arxiv_and_hf_agree_on_the_unwrapped_abstract() -> None:
    hf = parse_daily(
        (FIXTURES / "hf" / "daily_papers" / "2024-05-31.json").read_bytes(), dt.date(2024, 5, 31)
    )
    hf_paper = next(i.paper for i in hf.items if i.paper.arxiv_id == "2405.20204")
    ax_paper = feed_of("2405.20204.xml").entries[0]
    assert hf_paper.abstract == ax_paper.abstract  # hard-wrapped on HF, one line on arXiv
    assert (hf_paper.title, hf_paper.authors, hf_paper.published) == (
        ax_paper.title,
        ax_paper.authors,
        ax_paper.published,
    )


def test_parse_attention_is_all_you_need() -> None:
    (paper,) = feed_of("1706.03762v7.xml").entries
    assert (paper.arxiv_id, paper.version) == ("1706.03762", 7)
    assert paper.title == "Attention Is All You Need"
    assert paper.authors == (
        "Ashish Vaswani",
        "Noam Shazeer",
        "Niki Parmar",
        "Jakob Uszkoreit",
        "Llion Jones",
        "Aidan N. Gomez",
        "Lukasz Kaiser",
        "Illia Polosukhin",
    )
    assert (paper.published, paper.updated) == (dt.date(2017, 6, 12), dt.date(2023, 8, 2))
    assert paper.categories == ("cs.CL", "cs.LG") and paper.primary_category == "cs.CL"
    assert paper.comment == "15 pages, 5 figures"
    assert paper.abstract.startswith("The dominant sequence transduction models")


def test_parse_old_style_entry() -> None:
    (paper,) = feed_of("hep-th_9901001.xml").entries
    assert (paper.arxiv_id, paper.version) == ("hep-th/9901001", 3)
    assert paper.authors == ("Pieter van der Berg", "Maria Lopes", "Karl Hoffmann")  # affiliations dropped
    assert paper.abstract.startswith("We construct the boundary states")  # leading spaces gone
    assert "toy orbifold & compute" in paper.abstract and "n<3" in paper.abstract and "n>3" in paper.abstract
    assert paper.journal_ref == "Nucl. Phys. B552 (1999) 101-123"
    assert paper.categories == ("hep-th", "gr-qc")


def test_parse_2016_format() -> None:
    feed = feed_of("1203.4567v2.xml")
    assert (feed.total, feed.start, feed.per_page) == (1, 0, 10)  # per-element opensearch namespaces
    (paper,) = feed.entries
    assert (paper.arxiv_id, paper.version) == ("1203.4567", 2)
    assert (
        paper.title == "Spectral Gaps of Random Regular Graphs with Planted Cliques and Sparse Perturbations"
    )
    assert paper.authors == ("Marta Kowalska", "Gábor Szabó")
    assert paper.doi == "10.1016/j.jctb.2012.08.004"
    assert paper.journal_ref == "J. Combin. Theory Ser. B 102 (2012) 1291-1315"
    assert paper.comment == "24 pages, 2 figures. Published version"
    assert paper.primary_category == "math.CO" and paper.categories == ("math.CO", "math.PR")
    assert (paper.published, paper.updated) == (dt.date(2012, 3, 20), dt.date(2012, 9, 14))
    first, second = paper.abstract.split("\n\n")
    assert first.startswith("We study the second eigenvalue") and first.endswith("found in polynomial time.")
    assert second.startswith("We also show") and "\n" not in first + second


def test_parse_not_found_and_multi() -> None:
    empty = feed_of("2405.99999.xml")
    assert (empty.entries, empty.total) == ((), 0)
    multi = feed_of("1706.03762,2405.20204,2405.99999.xml")
    assert [p.arxiv_id for p in multi.entries] == ["1706.03762", "2405.20204"]
    assert multi.total == 2


def test_error_feed_raises_with_arxivs_message() -> None:
    with pytest.raises(InvalidIdentifier, match="incorrect id format for not-an-id"):
        feed_of("not-an-id.xml")


def test_error_feed_about_something_else_is_a_feed_format_error() -> None:
    body = atom(
        [
            "<entry><id>https://arxiv.org/api/errors#max_results_must_be_an_integer</id><title>Error</title>"
            "<summary>max_results must be an integer</summary></entry>"
        ]
    )
    with pytest.raises(FeedFormatError, match="arXiv rejected the request: max_results must be an integer"):
        parse_feed(body)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml at all",
        b"<html><body>Service Unavailable</body></html>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>&lol2;</title></feed>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>&xxe;</title></feed>",
    ],
    ids=["empty", "text", "html", "truncated", "entity-expansion", "external-entity"],
)
def test_not_an_atom_feed(raw: bytes) -> None:
    with pytest.raises(FeedFormatError):
        parse_feed(raw)


def test_unusable_entries_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    body = atom(
        [
            atom_entry("2401.00001v1", "Good one"),
            atom_entry("not-an-id", "Bad id"),
            atom_entry("2401.00003v2", "   "),
            atom_entry("2401.00004v1", "0"),  # a real arXiv title is literally "0"
        ]
    )
    with caplog.at_level(logging.WARNING, logger="readinglist.sources.arxiv"):
        feed = parse_feed(body)
    assert [(p.arxiv_id, p.title) for p in feed.entries] == [("2401.00001", "Good one"), ("2401.00004", "0")]
    assert len([r for r in caplog.records if "skipping entry" in r.getMessage()]) == 2


def test_missing_paging_figures_default_sensibly() -> None:
    raw = (
        b"<feed xmlns='http://www.w3.org/2005/Atom' xmlns:arxiv='http://arxiv.org/schemas/atom'>"
        + atom_entry("2401.00001v1").encode()
        + b"</feed>"
    )
    feed = parse_feed(raw)
    assert (feed.total, feed.start, feed.per_page, len(feed.entries)) == (1, 0, 1, 1)


def test_search_fixture_pages_are_consistent() -> None:
    first = parse_feed((SEARCH / "ti_contrastive_AND_cat_cs.CV_start0_max25.xml").read_bytes())
    second = parse_feed((SEARCH / "ti_contrastive_AND_cat_cs.CV_start25_max25.xml").read_bytes())
    assert (first.total, first.start, first.per_page, len(first.entries)) == (30, 0, 25, 25)
    assert (second.total, second.start, second.per_page, len(second.entries)) == (30, 25, 25, 5)
    ids = [p.arxiv_id for p in first.entries + second.entries]
    assert len(set(ids)) == 30
    assert all(
        "contrastive" in p.title.lower() and p.primary_category == "cs.CV"
        for p in first.entries + second.entries
    )


# --- the client -------------------------------------------------------------------------------


def test_fetch_one(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/query", query_string={"id_list": "2405.20204", "start": "0", "max_results": "1"}
    ).respond_with_data((QUERY / "2405.20204.xml").read_bytes(), content_type="application/atom+xml")
    assert client(httpserver).fetch(["2405.20204"]) == list(feed_of("2405.20204.xml").entries)


def test_fetch_normalizes_dedupes_and_keeps_the_order_asked(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(
        (QUERY / "1706.03762,2405.20204,2405.99999.xml").read_bytes()
    )
    papers = client(httpserver).fetch(
        ["arXiv:2405.20204", "2405.99999", "https://arxiv.org/abs/1706.03762", "2405.20204", " 2405.20204 "]
    )
    # the feed has them the other way round; the result follows the order asked
    assert [p.arxiv_id for p in papers] == ["2405.20204", "1706.03762"]
    ((request, _),) = httpserver.log
    assert request.args["id_list"] == "2405.20204,2405.99999,1706.03762"
    assert request.args["max_results"] == "3"


def test_fetch_keeps_versions(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/query", query_string={"id_list": "1706.03762v7", "start": "0", "max_results": "1"}
    ).respond_with_data((QUERY / "1706.03762v7.xml").read_bytes())
    (paper,) = client(httpserver).fetch([format_id("1706.03762", 7)])
    assert paper.version == 7


def test_fetch_old_style(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/query", query_string={"id_list": "hep-th/9901001", "start": "0", "max_results": "1"}
    ).respond_with_data((QUERY / "hep-th_9901001.xml").read_bytes())
    (paper,) = client(httpserver).fetch(["hep-th/9901001"])
    assert paper.arxiv_id == "hep-th/9901001"


def test_fetch_batches_of_fifty(httpserver: HTTPServer) -> None:
    def answer(request: Request) -> Response:
        ids = request.args["id_list"].split(",")
        assert request.args["max_results"] == str(len(ids))  # arXiv's default page is only 10
        return Response(
            atom([atom_entry(f"{i}v1", f"Paper {i}") for i in ids]), content_type="application/atom+xml"
        )

    httpserver.expect_request("/api/query").respond_with_handler(answer)
    wanted = [f"2401.{n:05d}" for n in range(1, 121)]
    papers = client(httpserver).fetch(wanted)
    assert [p.arxiv_id for p in papers] == wanted
    sizes = [len(r.args["id_list"].split(",")) for r, _ in httpserver.log]
    assert sizes == [50, 50, 20]


def test_fetch_nothing_makes_no_request(httpserver: HTTPServer) -> None:
    assert client(httpserver).fetch([]) == []
    assert len(httpserver.log) == 0


def test_fetch_unknown_id_is_absent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data((QUERY / "2405.99999.xml").read_bytes())
    assert client(httpserver).fetch(["2405.99999"]) == []


def test_fetch_invalid_input_is_refused_before_any_request(httpserver: HTTPServer) -> None:
    with pytest.raises(InvalidIdentifier, match="'abc' is not an arXiv id"):
        client(httpserver).fetch(["2405.20204", "abc"])
    assert len(httpserver.log) == 0


def test_fetch_400_error_feed_is_invalid_identifier(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(
        (QUERY / "not-an-id.xml").read_bytes(), status=400
    )
    with pytest.raises(InvalidIdentifier, match="arXiv rejected the id: incorrect id format for not-an-id"):
        client(httpserver).fetch(["2405.20204"])
    assert len(httpserver.log) == 1  # a 400 is not retried


def test_fetch_400_without_error_feed_is_a_network_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data("Bad Request", status=400)
    with pytest.raises(NetworkError, match="arXiv answered HTTP 400"):
        client(httpserver).fetch(["2405.20204"])


def test_fetch_503_forever_is_a_network_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data("busy", status=503)
    with pytest.raises(NetworkError, match="arXiv answered HTTP 503"):
        client(httpserver, retries=1).fetch(["2405.20204"])
    assert len(httpserver.log) == 2


def test_fetch_unreachable_is_a_network_error() -> None:
    arxiv = ArxivClient(fast_http(retries=1), f"http://127.0.0.1:{closed_port()}/api/query", 0.0)
    with pytest.raises(NetworkError, match="arXiv could not be reached"):
        arxiv.fetch(["2405.20204"])


def test_fetch_garbage_200_is_a_feed_format_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data("<html>maintenance</html>")
    with pytest.raises(FeedFormatError, match="not an Atom feed"):
        client(httpserver).fetch(["2405.20204"])


def test_cancelled(httpserver: HTTPServer) -> None:
    with pytest.raises(Cancelled):
        client(httpserver).fetch(["2405.20204"], cancelled=lambda: True)
    assert len(httpserver.log) == 0


def serve_empty_feeds(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(atom([]), content_type="application/atom+xml")


def record_starts(arxiv: ArxivClient) -> list[float]:
    """When each HTTP call really starts, i.e. right after the rate limiter let it through."""
    stamps: list[float] = []
    real_get = arxiv.http.get_bytes

    def timed(*args: object, **kwargs: object) -> tuple[int, bytes]:
        stamps.append(time.monotonic())
        return real_get(*args, **kwargs)  # type: ignore[arg-type]

    arxiv.http.get_bytes = timed  # type: ignore[method-assign]
    return stamps


def test_rate_limit_spaces_calls(httpserver: HTTPServer) -> None:
    serve_empty_feeds(httpserver)
    arxiv = client(httpserver, delay=0.05)
    stamps = record_starts(arxiv)
    for n in range(4):
        arxiv.fetch([f"2401.0000{n + 1}"])
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(httpserver.log) == 4
    assert len(gaps) == 3 and min(gaps) >= 0.049


def test_rate_limit_is_shared_across_threads(httpserver: HTTPServer) -> None:
    serve_empty_feeds(httpserver)
    arxiv = client(httpserver, delay=0.05)
    stamps = record_starts(arxiv)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(3):
                arxiv.fetch([f"2401.{offset + n:05d}"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k * 10 + 1,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert len(httpserver.log) == 6
    gaps = [b - a for a, b in itertools.pairwise(sorted(stamps))]
    assert len(gaps) == 5 and min(gaps) >= 0.049


def test_zero_delay_does_not_wait(httpserver: HTTPServer) -> None:
    serve_empty_feeds(httpserver)
    arxiv = client(httpserver, delay=0.0)
    started = time.monotonic()
    for n in range(5):
        arxiv.fetch([f"2401.0000{n + 1}"])
    assert time.monotonic() - started < 1.0


def test_search_pages(httpserver: HTTPServer) -> None:
    pages = {
        "0": (SEARCH / "ti_contrastive_AND_cat_cs.CV_start0_max25.xml").read_bytes(),
        "25": (SEARCH / "ti_contrastive_AND_cat_cs.CV_start25_max25.xml").read_bytes(),
    }

    def answer(request: Request) -> Response:
        assert request.args["search_query"] == SEARCH_QUERY  # passed through verbatim
        assert request.args["sortBy"] == "relevance" and request.args["sortOrder"] == "descending"
        assert request.args["max_results"] == "25"
        return Response(pages[request.args["start"]], content_type="application/atom+xml")

    httpserver.expect_request("/api/query").respond_with_handler(answer)
    arxiv = client(httpserver)
    collected, start, total = [], 0, None
    while total is None or start < total:
        page = arxiv.search(SEARCH_QUERY, start=start, max_results=25)
        assert page.start == start
        collected.extend(page.entries)
        total, start = page.total, start + page.per_page
    assert total == 30 and len(collected) == 30 and len({p.arxiv_id for p in collected}) == 30
    assert [r.args["start"] for r, _ in httpserver.log] == ["0", "25"]


def test_search_sort_and_arguments(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/query",
        query_string={
            "search_query": "au:Vaswani AND ti:attention",
            "start": "0",
            "max_results": "5",
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        },
    ).respond_with_data((QUERY / "1706.03762v7.xml").read_bytes())
    page = client(httpserver).search("au:Vaswani AND ti:attention", max_results=5, sort_by="submittedDate")
    assert [p.arxiv_id for p in page.entries] == ["1706.03762"]
    with pytest.raises(ValueError, match="sort_by"):
        client(httpserver).search("x", sort_by="popularity")
    with pytest.raises(ValueError):
        client(httpserver).search("x", max_results=0)


def test_blank_search_makes_no_request(httpserver: HTTPServer) -> None:
    page = client(httpserver).search("  ", start=0, max_results=25)
    assert page == ArxivFeed(entries=(), total=0, start=0, per_page=25)
    assert len(httpserver.log) == 0
