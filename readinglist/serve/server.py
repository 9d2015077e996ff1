"""The HTTP side: Better BibTeX's CAYW and pull-export URLs, answered on 127.0.0.1 only.

A web page must never read the library: requests carrying a browser ``Origin``, a
``Sec-Fetch-Site`` other than ``none``, or a ``Host`` that is not this machine (DNS rebinding)
are refused with 403, and no CORS header is ever sent.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from readinglist import __version__
from readinglist.errors import NotFoundError, ReadingListError
from readinglist.serve.cayw import format_keys
from readinglist.services.library import Library

log = logging.getLogger(__name__)

# Zotero (and JabRef's Zotero-compatible mode) listen on 23119; we take the next port so both can
# run. Plugins with a fixed port reach us with `readinglist serve --port 23119` while Zotero is closed.
DEFAULT_PORT = 23120
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
EXPORT_SUFFIXES = {"bib": "bibtex", "bibtex": "bibtex", "biblatex": "biblatex", "json": "csl-json",
                   "csljson": "csl-json", "ris": "ris"}  # fmt: skip
CONTENT_TYPES = {"bibtex": "application/x-bibtex", "biblatex": "application/x-bibtex",
                 "csl-json": "application/json", "ris": "application/x-research-info-systems"}  # fmt: skip

_HOST = re.compile(r"(\[[^\]]+\]|[^:]+)(?::(\d+))?")
# A picker returns the chosen citation keys, or None when the user cancelled.
Picker = Callable[[], Sequence[str] | None]


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_local(headers: object, port: int) -> None:
    """Refuse what a browser page could send: an Origin, a cross-site fetch, a foreign Host."""
    get = headers.get  # type: ignore[attr-defined]
    if get("Origin") is not None:
        raise Refused(403, "requests from web pages are refused: readinglist serves local programs only")
    site = get("Sec-Fetch-Site")
    if site is not None and site != "none":
        raise Refused(403, "cross-site requests are refused")
    host = (get("Host") or "").strip().lower()
    m = _HOST.fullmatch(host)
    if not m or m.group(1) not in LOOPBACK_HOSTS or (m.group(2) and m.group(2) != str(port)):
        raise Refused(403, f"refused: Host {host or '(none)'} is not this machine")


def parse_export_path(query: str) -> tuple[str, str]:
    """``/1/Parent/Child.biblatex`` → (``Parent/Child``, ``biblatex``); the library id is optional."""
    path = unquote(query).lstrip("/")
    path = re.sub(r"^\d+/", "", path)  # the library id (Zotero numbers its libraries)
    name, dot, suffix = path.rpartition(".")
    if not dot or suffix.lower() not in EXPORT_SUFFIXES:
        raise Refused(400, f"say the format with a suffix: .{', .'.join(EXPORT_SUFFIXES)}")
    return name, EXPORT_SUFFIXES[suffix.lower()]


class CitationServer:
    """Serves one library; ``picker`` (when given) asks the user for keys for CAYW requests."""

    def __init__(self, lib: Library, port: int = DEFAULT_PORT, *, picker: Picker | None = None) -> None:
        self.lib = lib
        self.picker = picker
        self._pick_lock = threading.Lock()  # one picker at a time
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        except OSError as exc:
            hint = (
                " (is Zotero or another readinglist running? choose another --port)"
                if exc.errno == 98
                else ""
            )
            raise ReadingListError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}{hint}") from exc
        self.httpd.daemon_threads = True
        self.httpd.app = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve on a background thread (the app's way)."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="citation-server", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    # -- answers ---------------------------------------------------------------------------
    def cayw(self, options: dict[str, str]) -> tuple[int, str, str]:
        if options.get("probe"):
            return 200, "text/plain", "ready"
        if self.picker is None:
            return 503, "text/plain", (
                "the citation picker needs the readinglist app: open it and turn on Settings → "
                "Citations → 'Answer editor plugins', or run `readinglist serve` in a terminal"
            )  # fmt: skip
        with self._pick_lock:
            keys = self.picker()
        if not keys:
            return 200, "text/plain", ""
        text = format_keys(list(keys), options.get("format") or "latex", options, render=self._render)
        return 200, "application/json" if options.get("format") == "json" else "text/plain", text

    def _render(self, keys: Sequence[str], kind: str, option: str) -> str:
        from readinglist.services import exporting
        from readinglist.services.cited import resolve_keys

        ids, _missing = resolve_keys(self.lib, keys)
        if kind == "style":
            return exporting.formatted_citation(self.lib, ids, option).rstrip("\n")
        fmt = {"bibtex": "bibtex", "betterbibtex": "bibtex", "biblatex": "biblatex", "betterbiblatex": "biblatex",
               "csljson": "csl-json", "csl-json": "csl-json", "json": "csl-json", "ris": "ris"}.get(
            option.replace(" ", "").lower(), option)  # fmt: skip
        return exporting.export_text(self.lib, ids, fmt)

    def export(self, what: str, query: str) -> tuple[int, str, str]:
        from readinglist.services import exporting

        name, fmt = parse_export_path(query)
        if what == "library":
            ids = exporting.scope_ids(self.lib, saved=True)
        elif what == "tag":
            ids = exporting.scope_ids(self.lib, tag=name)
        else:
            ids = exporting.scope_ids(self.lib, list_name=name)
        return 200, CONTENT_TYPES[fmt] + "; charset=utf-8", exporting.export_text(self.lib, ids, fmt)


class _Handler(BaseHTTPRequestHandler):
    server_version = f"readinglist/{__version__}"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        app: CitationServer = self.server.app  # type: ignore[attr-defined]
        try:
            if self.client_address[0] not in ("127.0.0.1", "::1"):
                raise Refused(403, "only this machine may connect")
            check_local(self.headers, app.port)
            parts = urlsplit(self.path)
            route = parts.path.rstrip("/")
            if route == "/better-bibtex/cayw":
                status, ctype, body = app.cayw(dict(parse_qsl(parts.query)))
            elif m := re.fullmatch(r"/better-bibtex(?:/export)?/(collection|library|tag)", route):
                status, ctype, body = app.export(m.group(1), parts.query.split("&", 1)[0])
            else:
                raise Refused(404, "readinglist answers /better-bibtex/cayw and /better-bibtex/export/… only")
        except Refused as exc:
            status, ctype, body = exc.status, "text/plain", str(exc)
        except NotFoundError as exc:
            status, ctype, body = 404, "text/plain", str(exc)
        except ReadingListError as exc:
            status, ctype, body = 400, "text/plain", str(exc)
        except Exception as exc:  # a bug must answer, not hang the editor
            log.exception("citation server failed on %s", self.path)
            status, ctype, body = 500, "text/plain", f"readinglist failed: {exc}"
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype if "charset" in ctype else ctype + "; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def do_POST(self) -> None:
        self.send_error(405, "readinglist answers GET only")

    do_PUT = do_DELETE = do_OPTIONS = do_POST  # no CORS pre-flight ever succeeds
