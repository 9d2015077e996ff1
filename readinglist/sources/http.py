"""The one place network policy lives.

Every request goes through :class:`Http`: a ``requests.Session`` per thread with connect and
read timeouts, retries with backoff on 429/5xx that honour ``Retry-After`` (capped), a
User-Agent naming the app, HTTPS only (plain HTTP only for loopback, which tests use),
redirects followed only to allowed hosts, and a cap on response size.

A failure that means "this machine is offline" (the host name cannot be resolved, no route to
the network) is retried once, quickly, instead of through the whole backoff: offline is the
normal state of a laptop on a train, and the user should hear it in a second, not in eight.
"""

from __future__ import annotations

import email.utils
import errno
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from readinglist import __version__
from readinglist.errors import Cancelled, NetworkError
from readinglist.sources.transport import Deadline, error_chain, mount, not_http

log = logging.getLogger(__name__)

USER_AGENT = f"readinglist/{__version__} (+https://github.com/readinglist/readinglist)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
OFFLINE_ERRNOS = frozenset({errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH})
OFFLINE_RETRY_DELAY = 0.5  # seconds: one more try, in case the network was just coming up


def looks_offline(exc: BaseException) -> bool:
    """True when a connection error says the machine has no network (no DNS, no route)."""
    for e in error_chain(exc):
        if isinstance(e, socket.gaierror) or (isinstance(e, OSError) and e.errno in OFFLINE_ERRNOS):
            return True
        if type(e).__name__ == "NameResolutionError":  # urllib3 2; keeps the gaierror only as text
            return True
    return False


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Refuse anything but HTTPS, or plain HTTP to a loopback address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and is_loopback(host):
        return
    raise NetworkError(f"refusing to fetch {url!r}: only HTTPS (or HTTP on this machine) is allowed")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class RateLimiter:
    """At most one call per ``interval`` seconds, across threads (arXiv asks for 3 s)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last = 0.0

    def wait(self, cancelled: Callable[[], bool] | None = None) -> None:
        with self._lock:
            while True:
                remaining = self._last + self.interval - time.monotonic()
                if remaining <= 0:
                    break
                if cancelled is not None and cancelled():
                    raise Cancelled()
                time.sleep(min(remaining, 0.1))
            self._last = time.monotonic()


@dataclass
class HttpPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0  # seconds; doubled each retry
    max_retry_after: float = 60.0  # cap for a server's Retry-After (urllib3 does not cap it)
    max_total_wait: float = 120.0  # cap for all the waiting between the tries of one request
    deadline: float = 120.0  # seconds for one try, headers and (in get_bytes) body, however it trickles
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = 5
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)


class Http:
    """A thread-aware HTTP client. Share one instance; each thread gets its own Session."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        *,
        allowed_hosts: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or HttpPolicy()
        hosts = set(self.policy.allowed_hosts) | {h.lower() for h in allowed_hosts}
        self.allowed_hosts = frozenset(hosts)
        self._local = threading.local()
        self._sleep = sleep
        self.on_wait: Callable[[str], None] | None = None  # hears "waiting 60 s for X" messages

    @classmethod
    def for_endpoints(cls, urls: Iterable[str], policy: HttpPolicy | None = None) -> Http:
        """A client that may follow redirects between the hosts of these endpoint URLs."""
        hosts = {urlsplit(u).hostname or "" for u in urls}
        extra = set()
        for h in hosts:  # arxiv.org <-> export.arxiv.org, www.* variants
            if h.startswith("www."):
                extra.add(h[4:])
            elif h.count(".") == 1:
                extra.add("www." + h)
        return cls(policy, allowed_hosts=(hosts | extra) - {""})

    @property
    def session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers["User-Agent"] = USER_AGENT
            s.max_redirects = self.policy.max_redirects
            mount(s)
            self._local.session = s
        return s

    def _host_allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return not self.allowed_hosts or host in self.allowed_hosts or is_loopback(host)

    def request(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        what: str | None = None,
        cancelled: Callable[[], bool] | None = None,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> requests.Response:
        """GET ``url`` under the policy and return the final response (any status).

        Network failures after the last retry raise :class:`NetworkError`; HTTP error statuses
        are returned so callers can word their own message (see :meth:`get_bytes`).
        """
        what = what or (urlsplit(url).hostname or url)
        pol = self.policy
        attempt = 0
        waited = 0.0
        while True:
            if cancelled is not None and cancelled():
                raise Cancelled()
            try:
                with Deadline(pol.deadline) as deadline:
                    resp = self._get_following_redirects(url, params, headers, stream)
                if deadline.expired:  # headers cut short at the deadline look complete to http.client
                    resp.close()
                    raise NetworkError(too_slow(what, pol.deadline))
            except (requests.ConnectionError, requests.Timeout) as exc:
                if deadline.expired:
                    raise NetworkError(too_slow(what, pol.deadline)) from exc
                wrong = not_http(exc)
                if wrong:
                    raise NetworkError(f"the server at {what} did not speak HTTP: {wrong}") from exc
                if attempt >= pol.retries:
                    kind = (
                        "did not answer in time"
                        if isinstance(exc, requests.Timeout)
                        else "could not be reached"
                    )
                    raise NetworkError(f"{what} {kind} ({type(exc).__name__}); are you offline?") from exc
                delay = pol.backoff * (2**attempt)
                if looks_offline(exc):
                    if attempt >= 1:
                        raise NetworkError(
                            f"{what} could not be reached: this computer seems to be offline"
                        ) from exc
                    delay = min(delay, OFFLINE_RETRY_DELAY)
                log.info("%s: %s; retrying in %.1fs", what, exc, delay)
            except requests.RequestException as exc:
                raise NetworkError(f"request to {what} failed: {exc}") from exc
            else:
                if resp.status_code not in retry_statuses or attempt >= pol.retries:
                    return resp
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                delay = pol.backoff * (2**attempt) if retry_after is None else retry_after
                delay = min(delay, pol.max_retry_after)
                if waited + delay > pol.max_total_wait:
                    return resp  # waiting longer would leave the user at 0% for minutes
                asked = f" (it asked for {retry_after:.0f} s)" if retry_after and retry_after > delay else ""
                self.say(
                    f"{what} answered HTTP {resp.status_code}: waiting {delay:.0f} s{asked} before try "
                    f"{attempt + 2} of {pol.retries + 1}; cancel to stop"
                )
                resp.close()
            attempt += 1
            waited += delay
            self._sleep_cancellable(delay, cancelled)

    def say(self, text: str) -> None:
        """Tell the user what the client waits for (the CLI logs it, the app shows it)."""
        if self.on_wait is not None:
            self.on_wait(text)
        else:
            log.warning("%s", text)

    def _sleep_cancellable(self, delay: float, cancelled: Callable[[], bool] | None) -> None:
        # Count the slices handed to the injected sleep rather than reading the clock, so a
        # fake sleep (tests) returns at once instead of spinning until real time has passed.
        remaining = delay
        while remaining > 0:
            if cancelled is not None and cancelled():
                raise Cancelled()
            step = min(remaining, 0.2)
            self._sleep(step)
            remaining -= step

    def _get_following_redirects(
        self,
        url: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        stream: bool,
    ) -> requests.Response:
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        for _ in range(self.policy.max_redirects + 1):
            check_url(url)
            resp = self.session.get(
                url,
                params=params,
                headers=dict(headers or {}),
                stream=stream,
                timeout=timeout,
                allow_redirects=False,
            )
            if not resp.is_redirect:
                return resp
            target = urljoin(resp.url, resp.headers.get("Location", ""))
            resp.close()
            if not self._host_allowed(target):
                raise NetworkError(f"refusing redirect from {url} to unexpected host: {target}")
            url, params = target, None
        raise NetworkError(f"too many redirects fetching {url}")

    def get_bytes(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str | None = None,
        ok_statuses: Iterable[int] = (200,),
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[int, bytes]:
        """GET and read the body under the size cap. Returns (status, body).

        Statuses outside ``ok_statuses`` raise :class:`NetworkError` naming the status.
        """
        what = what or (urlsplit(url).hostname or url)
        with Deadline(self.policy.deadline + self.policy.max_total_wait) as deadline:
            resp = self.request(
                url, params=params, headers=headers, stream=True, what=what, cancelled=cancelled
            )
        with resp, deadline.restart(self.policy.deadline) as deadline:  # a fresh budget for the body
            if resp.status_code not in set(ok_statuses):
                raise NetworkError(f"{what} answered HTTP {resp.status_code} {resp.reason or ''}".strip())
            try:
                body = read_capped(resp, self.policy.max_bytes, what)
            except NetworkError as exc:
                if deadline.expired:
                    raise NetworkError(too_slow(what, self.policy.deadline)) from exc
                raise
            if deadline.expired:  # a body without a length just ends when its socket is shut
                raise NetworkError(too_slow(what, self.policy.deadline))
        return resp.status_code, body


def too_slow(what: str, seconds: float) -> str:
    return (
        f"{what} did not finish answering within {seconds:.0f} s (it sends too slowly or without end); "
        "gave up"
    )


def read_capped(resp: requests.Response, max_bytes: int, what: str) -> bytes:
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise NetworkError(f"{what} sent {int(length)} bytes, more than the {max_bytes}-byte limit")
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_content(64 * 1024):
            total += len(chunk)
            if total > max_bytes:
                raise NetworkError(f"{what} sent more than the {max_bytes}-byte limit")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise NetworkError(f"connection to {what} broke off: {exc}") from exc
    return b"".join(chunks)
