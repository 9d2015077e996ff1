"""Discovery beyond the library: HF and arXiv search on a local server, caching, errors, adding."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from readinglist.cli.main import main
from readinglist.config import Endpoints
from readinglist.errors import NetworkError
from readinglist.records import PaperMeta
from readinglist.search import QueryError
from readinglist.services import discovery, papers
from readinglist.services.discovery import _TTLCache, add_result, discover
from readinglist.services.library import Library

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
ARXIV_Q = "ti:diffusion AND cat:cs.CV"


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def arxiv_args(start: int, per: int) -> dict[str, str]:
    return {
        "search_query": ARXIV_Q,
        "start": str(start),
        "max_results": str(per),
        "sortBy": "relevance",
        "sortOrder": "descending",
    }


def paper_count(lib: Library) -> int:
    con = sqlite3.connect(lib.db_path)
    try:
        return int(con.execute("SELECT count(*) FROM papers").fetchone()[0])
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    discovery.clear_cache()  # the test server's port is shared by every test
    yield
    discovery.clear_cache()


def open_lib(root: Path, base: str) -> Library:
    lib = Library.open(root, Endpoints(hf=base, arxiv=base, arxiv_api=base + "/api/query", arxiv_delay=0))
    lib.http.policy.retries = 0  # error tests must not sit through real back-off sleeps
    return lib


@pytest.fixture
def net_lib(tmp_path: Path, httpserver: HTTPServer) -> Iterator[Library]:
    lib = open_lib(tmp_path / "library", httpserver.url_for("").rstrip("/"))
    yield lib
    lib.close()


def serve_hf(httpserver: HTTPServer, name: str = "hf_search_diffusion.json") -> None:
    httpserver.expect_request("/api/papers/search").respond_with_data(
        body(name), content_type="application/json"
    )


def requests_to(httpserver: HTTPServer, path: str) -> int:
    return sum(1 for req, _ in httpserver.log if req.path == path)


# --- Hugging Face ----------------------------------------------------------------------------


def test_hf_search_parses_and_marks_what_the_library_holds(net_lib: Library, httpserver: HTTPServer) -> None:
    serve_hf(httpserver)
    papers.upsert(
        net_lib, [PaperMeta(title="Diffusion Policies for Dexterous Manipulation", arxiv_id="2510.04004")]
    )
    page = discover(net_lib, "  diffusion  ")
    assert page.source == "hf" and page.start == 0 and page.total == 4
    assert [r.paper.arxiv_id for r in page.results] == [
        "2510.04001",
        "2510.04004",
        "2509.11111",
        "2508.22222",
    ]
    # Known but not saved (the feed listed it): in the feed, not in the library, and still addable
    assert [r.in_library for r in page.results] == [False, False, False, False]
    assert [r.in_feed for r in page.results] == [False, True, False, False]
    first = page.results[0]
    assert first.source == "hf" and first.upvotes == 45
    assert first.paper.title.startswith("StreamWeaver: Real-Time Video Diffusion with Rolling")
    assert "\n" not in first.paper.title
    assert first.paper.authors == ("Haruto Sato", "Emily Clarke", "Marek Dvořák")
    req, _ = httpserver.log[0]
    assert req.args["q"] == "diffusion" and req.args["limit"] == "25"


def test_hf_paging_slices_and_knows_the_total_only_at_the_end(
    net_lib: Library, httpserver: HTTPServer
) -> None:
    serve_hf(httpserver)
    first = discover(net_lib, "diffusion", limit=2)
    assert [r.paper.arxiv_id for r in first.results] == ["2510.04001", "2510.04004"]
    assert first.total is None  # HF filled the page: there may be more
    second = discover(net_lib, "diffusion", start=2, limit=2)
    assert [r.paper.arxiv_id for r in second.results] == ["2509.11111", "2508.22222"]
    last = discover(net_lib, "diffusion", start=2, limit=5)
    assert last.total == 4 and len(last.results) == 2
    assert [req.args["limit"] for req, _ in httpserver.log] == ["2", "4", "7"]


def test_empty_results_and_empty_query(net_lib: Library, httpserver: HTTPServer) -> None:
    serve_hf(httpserver, "hf_search_empty.json")
    page = discover(net_lib, "zzz nothing")
    assert page.results == () and page.total == 0
    assert discover(net_lib, "   ").results == ()
    assert len(httpserver.log) == 1  # a blank query never leaves the machine


def test_bad_arguments_are_refused(net_lib: Library) -> None:
    with pytest.raises(QueryError, match="unknown source"):
        discover(net_lib, "x", source="scholar")
    with pytest.raises(QueryError):
        discover(net_lib, "x", limit=0)
    with pytest.raises(QueryError):
        discover(net_lib, "x", start=-1)


# --- arXiv -----------------------------------------------------------------------------------


def test_arxiv_paging_passes_start_and_max_results(net_lib: Library, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query", query_string=arxiv_args(0, 3)).respond_with_data(
        body("arxiv_search_p1.xml"), content_type="application/atom+xml"
    )
    httpserver.expect_request("/api/query", query_string=arxiv_args(3, 3)).respond_with_data(
        body("arxiv_search_p2.xml"), content_type="application/atom+xml"
    )
    p1 = discover(net_lib, ARXIV_Q, source="arxiv", limit=3)
    assert (p1.total, p1.start, p1.source) == (5, 0, "arxiv")
    assert [(r.paper.arxiv_id, r.paper.version) for r in p1.results] == [
        ("2510.04001", 2),
        ("2509.33333", 1),
        ("2508.44444", 3),
    ]
    assert p1.results[1].paper.doi == "10.1000/sat.2025.1"
    assert "&" in p1.results[2].paper.title and "x < y" in p1.results[2].paper.abstract
    p2 = discover(net_lib, ARXIV_Q, source="arxiv", start=3, limit=3)
    assert (p2.total, p2.start) == (5, 3)
    assert [r.paper.arxiv_id for r in p2.results] == ["2507.55555", "2312.66666"]
    assert all(r.source == "arxiv" and not r.in_library for r in p1.results + p2.results)
    assert requests_to(httpserver, "/api/query") == 2


def test_arxiv_error_feed_is_a_clear_query_error(net_lib: Library, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(
        body("arxiv_error_400.xml"), status=400, content_type="application/atom+xml"
    )
    with pytest.raises(QueryError) as info:
        discover(net_lib, "ti:(broken", source="arxiv")
    text = str(info.value)
    assert "max_results must be less than or equal to 2000" in text
    assert "ti:(broken" in text and "ti:, au:" in text


def test_arxiv_500_is_a_network_error(net_lib: Library, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data("overloaded", status=500)
    with pytest.raises(NetworkError, match=r"HTTP 500.*Your library is unchanged"):
        discover(net_lib, ARXIV_Q, source="arxiv")


# --- cache, errors, adding -------------------------------------------------------------------


def test_second_identical_call_is_served_from_the_cache(net_lib: Library, httpserver: HTTPServer) -> None:
    serve_hf(httpserver)
    a = discover(net_lib, "diffusion")
    b = discover(net_lib, "diffusion")
    assert a == b
    assert requests_to(httpserver, "/api/papers/search") == 1
    discover(net_lib, "diffusion", limit=10)  # another page size is another request
    assert requests_to(httpserver, "/api/papers/search") == 2
    discovery.clear_cache()
    discover(net_lib, "diffusion")
    assert requests_to(httpserver, "/api/papers/search") == 3


def test_failures_are_not_cached(net_lib: Library, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/papers/search").respond_with_data("busy", status=503)
    with pytest.raises(NetworkError, match="HTTP 503"):
        discover(net_lib, "diffusion")
    serve_hf(httpserver)
    assert len(discover(net_lib, "diffusion").results) == 4


def test_ttl_cache_expires_and_evicts() -> None:
    now = [100.0]
    cache = _TTLCache(ttl=600, size=2, clock=lambda: now[0])
    cache.put(("a",), 1)
    cache.put(("b",), 2)
    assert cache.get(("a",)) == 1
    now[0] += 599
    assert cache.get(("b",)) == 2
    now[0] += 2
    assert cache.get(("a",)) is None and cache.get(("b",)) is None
    for key in ("x", "y", "z"):
        cache.put((key,), key)
    assert cache.get(("x",)) is None and cache.get(("z",)) == "z"


def test_offline_gives_a_clear_network_error(tmp_path: Path) -> None:
    lib = open_lib(tmp_path / "library", f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(NetworkError) as info:
            discover(lib, "diffusion")
        assert str(info.value) == (
            "Hugging Face could not be reached; check your connection. Your library is unchanged."
        )
        with pytest.raises(NetworkError, match=r"^arXiv could not be reached; check your connection\."):
            discover(lib, ARXIV_Q, source="arxiv")
        assert paper_count(lib) == 0
    finally:
        lib.close()


def test_hf_500_is_a_network_error(net_lib: Library, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/papers/search").respond_with_data("oops", status=500)
    with pytest.raises(NetworkError, match=r"Hugging Face answered HTTP 500.*Your library is unchanged"):
        discover(net_lib, "diffusion")


def test_add_result_saves_once_and_discover_then_sees_it(net_lib: Library, httpserver: HTTPServer) -> None:
    serve_hf(httpserver)
    page = discover(net_lib, "diffusion")
    target = page.results[2]
    pid = add_result(net_lib, target)
    row = net_lib.get(pid)
    assert row.saved and row.arxiv_id == "2509.11111" and row.citekey
    assert row.title == target.paper.title
    count = paper_count(net_lib)
    again = discover(net_lib, "diffusion")  # cached page, fresh in_library
    assert [r.in_library for r in again.results] == [False, False, True, False]
    assert requests_to(httpserver, "/api/papers/search") == 1
    assert add_result(net_lib, again.results[2]) == pid
    assert paper_count(net_lib) == count == 1


def test_add_result_keeps_user_data_of_a_held_paper(net_lib: Library, httpserver: HTTPServer) -> None:
    serve_hf(httpserver)
    ids, _ = papers.upsert(net_lib, [PaperMeta(title="Old title", arxiv_id="2510.04004")])
    papers.tag(net_lib, ids, ["robots"])
    papers.set_status(net_lib, ids, "read")
    page = discover(net_lib, "diffusion")
    assert add_result(net_lib, page.results[1]) == ids[0]
    row = net_lib.get(ids[0])
    assert row.saved and row.status == "read" and row.tags == ("robots",)
    assert paper_count(net_lib) == 1


# --- CLI -------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    base = httpserver.url_for("").rstrip("/")
    monkeypatch.setenv("HF_ENDPOINT", base)
    monkeypatch.setenv("READINGLIST_ARXIV_ENDPOINT", base)
    monkeypatch.setenv("READINGLIST_ARXIV_API", base + "/api/query")
    monkeypatch.setenv("READINGLIST_ARXIV_DELAY", "0")
    return tmp_path / "cli-library"


def test_cli_discover_json_has_the_fields_of_list(
    cli_env: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_hf(httpserver)
    lib = open_lib(cli_env, httpserver.url_for("").rstrip("/"))
    ids, _ = papers.upsert(lib, [PaperMeta(title="Diffusion Policies", arxiv_id="2510.04004")], save=True)
    list_keys = set(lib.get(ids[0]).to_json())
    lib.close()
    assert main(["--library", str(cli_env), "discover", "diffusion", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["arxiv_id"] for o in out] == ["2510.04001", "2510.04004", "2509.11111", "2508.22222"]
    for o in out:
        assert set(o) == list_keys | {"in_library", "in_feed", "source"}
        assert o["source"] == "hf"
    fresh, held = out[0], out[1]
    assert fresh["in_library"] is False and fresh["saved"] is False and fresh["status"] is None
    assert (
        fresh["feed_dates"] == []
        and fresh["tags"] == []
        and fresh["citekey"] is None
        and fresh["pdf"] is None
    )
    assert fresh["upvotes"] == 45 and fresh["published"] == "2025-10-03"
    assert fresh["authors"] == ["Haruto Sato", "Emily Clarke", "Marek Dvořák"]
    assert held["in_library"] is True and held["saved"] is True and held["id"] == ids[0] and held["citekey"]


def test_cli_discover_arxiv_table_and_paging_hint(
    cli_env: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/api/query", query_string=arxiv_args(0, 3)).respond_with_data(
        body("arxiv_search_p1.xml"), content_type="application/atom+xml"
    )
    code = main(
        ["--library", str(cli_env), "discover", *ARXIV_Q.split(), "--source", "arxiv", "--limit", "3"]
    )
    assert code == 0
    cap = capsys.readouterr()
    lines = cap.out.splitlines()
    assert len(lines) == 3 and lines[0].split()[1] == "2510.04001"
    assert "results 1-3 of 5" in cap.err and "--start 3" in cap.err


def test_cli_discover_offline_exits_1_with_the_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    from readinglist.sources import http

    original = http.Http.__init__

    def no_retries(self: http.Http, policy: object = None, **kw: object) -> None:
        original(self, http.HttpPolicy(retries=0), **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(http.Http, "__init__", no_retries)
    assert main(["--library", str(tmp_path / "lib"), "discover", "diffusion"]) == 1
    assert "Hugging Face could not be reached; check your connection" in capsys.readouterr().err
