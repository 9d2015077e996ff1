"""The network policy of sources/http.py, against a real local server (pytest-httpserver)."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from readinglist.errors import Cancelled, NetworkError
from readinglist.sources.http import (
    USER_AGENT,
    Http,
    HttpPolicy,
    RateLimiter,
    check_url,
    parse_retry_after,
)


class SleepRecorder:
    """A fake ``sleep`` that records what it was asked to wait, and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    @property
    def total(self) -> float:
        return sum(self.calls)


def make_http(*, sleep: SleepRecorder | None = None, **policy: object) -> Http:
    defaults: dict[str, object] = {"retries": 2, "backoff": 0.01, "connect_timeout": 2.0, "read_timeout": 5.0}
    defaults.update(policy)
    return Http(HttpPolicy(**defaults), sleep=sleep or SleepRecorder())  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ok_body_and_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data", headers={"User-Agent": USER_AGENT}).respond_with_data(b"hello")
    status, body = make_http().get_bytes(httpserver.url_for("/data"))
    assert (status, body) == (200, b"hello")


def test_429_with_retry_after_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_request("/feed").respond_with_data(b"[]")
    sleep = SleepRecorder()
    started = time.monotonic()
    status, body = make_http(sleep=sleep).get_bytes(httpserver.url_for("/feed"))
    assert (status, body) == (200, b"[]")
    assert sleep.total == pytest.approx(7.0)  # the server's Retry-After, not our backoff
    assert time.monotonic() - started < 2.0  # the injected sleep really replaces waiting
    assert len(httpserver.log) == 2


def test_retry_after_is_capped(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/x").respond_with_data(
        "", status=503, headers={"Retry-After": "86400"}
    )
    httpserver.expect_request("/x").respond_with_data(b"ok")
    sleep = SleepRecorder()
    make_http(sleep=sleep, max_retry_after=5.0).get_bytes(httpserver.url_for("/x"))
    assert sleep.total == pytest.approx(5.0)


def test_503_until_retries_exhausted_is_a_network_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("maintenance", status=503)
    sleep = SleepRecorder()
    with pytest.raises(NetworkError, match="503"):
        make_http(sleep=sleep, retries=3, backoff=0.5).get_bytes(httpserver.url_for("/down"), what="Example")
    assert len(httpserver.log) == 4  # one try and three retries
    assert sleep.total == pytest.approx(0.5 + 1.0 + 2.0)  # doubling backoff


def test_404_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(NetworkError, match="404"):
        make_http().get_bytes(httpserver.url_for("/missing"))
    assert len(httpserver.log) == 1


def test_request_returns_error_statuses_for_the_caller(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/bad").respond_with_data("bad", status=400)
    status, body = make_http().get_bytes(httpserver.url_for("/bad"), ok_statuses=(200, 400))
    assert (status, body) == (400, b"bad")


def test_slow_server_times_out_as_network_error(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    http = make_http(read_timeout=0.1, retries=0)
    with pytest.raises(NetworkError, match="did not answer in time"):
        http.get_bytes(httpserver.url_for("/slow"), what="Slow host")


def test_unreachable_host_is_a_network_error() -> None:
    sleep = SleepRecorder()
    url = f"http://127.0.0.1:{closed_port()}/"
    with pytest.raises(NetworkError, match=r"Somewhere could not be reached .*offline"):
        make_http(sleep=sleep, retries=2).get_bytes(url, what="Somewhere")
    assert len(sleep.calls) >= 2  # it backed off between tries


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/feed",  # plain HTTP to the world
        "http://10.0.0.1/feed",
        "ftp://example.org/feed",
        "file:///etc/passwd",
        "https:///no-host",
    ],
)
def test_only_https_or_loopback_http(url: str) -> None:
    with pytest.raises(NetworkError, match="only HTTPS"):
        check_url(url)
    with pytest.raises(NetworkError):
        make_http().get_bytes(url)  # refused before any connection is attempted


@pytest.mark.parametrize(
    "url", ["https://huggingface.co/api", "http://127.0.0.1:5000/x", "http://localhost/x", "http://[::1]:8/"]
)
def test_allowed_urls(url: str) -> None:
    check_url(url)


def test_redirect_to_a_foreign_host_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": "https://evil.example.net/steal"}
    )
    http = Http(HttpPolicy(retries=0), allowed_hosts=["huggingface.co"])
    with pytest.raises(NetworkError, match=r"refusing redirect .*evil\.example\.net"):
        http.get_bytes(httpserver.url_for("/go"))


def test_redirect_to_plain_http_elsewhere_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/go").respond_with_data(
        "", status=301, headers={"Location": "http://huggingface.co/x"}
    )
    http = Http(HttpPolicy(retries=0), allowed_hosts=["huggingface.co"])
    with pytest.raises(NetworkError, match="only HTTPS"):
        http.get_bytes(httpserver.url_for("/go"))


def test_redirect_within_allowed_hosts_is_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new?page=2"})
    httpserver.expect_request("/new", query_string="page=2").respond_with_data(b"moved here")
    http = Http(HttpPolicy(retries=0), allowed_hosts=["huggingface.co"])
    assert http.get_bytes(httpserver.url_for("/old"), params={"page": 1}) == (200, b"moved here")


def test_redirect_loop_stops(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(NetworkError, match="too many redirects"):
        make_http(max_redirects=3).get_bytes(httpserver.url_for("/loop"))
    assert len(httpserver.log) == 4


def test_size_cap_by_content_length(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(NetworkError, match="5000 bytes, more than the 1000-byte limit"):
        make_http(max_bytes=1000).get_bytes(httpserver.url_for("/big"), what="Big host")


def test_size_cap_when_streamed_without_length(httpserver: HTTPServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            yield b"y" * 100

    httpserver.expect_request("/stream").respond_with_response(Response(chunks()))
    with pytest.raises(NetworkError, match="more than the 1000-byte limit"):
        make_http(max_bytes=1000).get_bytes(httpserver.url_for("/stream"))


def test_body_at_the_cap_is_fine(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/exact").respond_with_data(b"z" * 1000)
    assert make_http(max_bytes=1000).get_bytes(httpserver.url_for("/exact")) == (200, b"z" * 1000)


def test_cancelled_before_request(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data(b"ok")
    with pytest.raises(Cancelled):
        make_http().get_bytes(httpserver.url_for("/x"), cancelled=lambda: True)
    assert len(httpserver.log) == 0


def test_cancelled_during_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "30"})
    calls = iter([False, True])
    with pytest.raises(Cancelled):
        make_http().get_bytes(httpserver.url_for("/busy"), cancelled=lambda: next(calls, True))
    assert len(httpserver.log) == 1


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0


def test_for_endpoints_allows_www_variants() -> None:
    http = Http.for_endpoints(
        ["https://arxiv.org", "https://export.arxiv.org/api/query", "https://huggingface.co"]
    )
    assert {
        "arxiv.org",
        "www.arxiv.org",
        "export.arxiv.org",
        "huggingface.co",
        "www.huggingface.co",
    } <= http.allowed_hosts
    assert "evil.example.net" not in http.allowed_hosts


def test_rate_limiter_spacing() -> None:
    limiter = RateLimiter(0.05)
    stamps = []
    for _ in range(4):
        limiter.wait()
        stamps.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.049


def test_rate_limiter_can_be_cancelled() -> None:
    limiter = RateLimiter(30.0)
    limiter.wait()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        limiter.wait(cancelled=lambda: True)
    assert time.monotonic() - started < 1.0


def test_an_offline_machine_is_reported_after_one_quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DNS (the usual face of "offline"): one short retry, not the whole backoff."""
    lookups: list[str] = []

    def no_dns(host: str, *args: object, **kwargs: object) -> list[object]:
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    sleep = SleepRecorder()
    http = make_http(sleep=sleep, retries=3, backoff=1.0)
    with pytest.raises(NetworkError, match="seems to be offline"):
        http.get_bytes("https://huggingface.example/api/daily_papers")
    assert lookups == ["huggingface.example", "huggingface.example"]
    assert sleep.total == pytest.approx(0.5)


def test_a_refused_connection_still_gets_the_full_backoff() -> None:
    """A server that is restarting refuses connections for a moment: that is worth waiting for."""
    sleep = SleepRecorder()
    http = make_http(sleep=sleep, retries=3, backoff=1.0)
    with pytest.raises(NetworkError, match="could not be reached"):
        http.get_bytes(f"http://127.0.0.1:{closed_port()}/x")
    assert sleep.total == pytest.approx(1.0 + 2.0 + 4.0)
