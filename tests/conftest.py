"""Shared fixtures: a fresh library folder per test, endpoints pointed at a local server."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from readinglist.config import Endpoints
    from readinglist.services.library import Library

FIXTURES = Path(__file__).parent / "fixtures"

# No test may reach a real host: point every endpoint at an address that refuses at once,
# and make arXiv's politeness delay zero. Tests that need a server set their own endpoints.
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["READINGLIST_ARXIV_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["READINGLIST_ARXIV_API"] = "http://127.0.0.1:9/api/query"
os.environ["READINGLIST_ARXIV_DELAY"] = "0"
os.environ.pop("READINGLIST_HOME", None)
os.environ.pop("READINGLIST_DATABASE_URL", None)  # tests choose their back end (the backend fixture)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    return tmp_path / "library"


def _offline_endpoints() -> Endpoints:
    from readinglist.config import Endpoints

    # A port nothing listens on: a test that reaches for the network fails at once.
    return Endpoints(hf="http://127.0.0.1:9", arxiv="http://127.0.0.1:9",
                     arxiv_api="http://127.0.0.1:9/api/query", arxiv_delay=0)  # fmt: skip


@pytest.fixture
def lib(
    library_dir: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[object]:
    from readinglist.services.library import Library

    # READINGLIST_TEST_BACKEND=postgresql runs every test using `lib` on the test server, but
    # those about the SQLite file itself (``sqlite_file``).
    url_gen = None
    url = None
    if os.environ.get("READINGLIST_TEST_BACKEND") == "postgresql":
        if request.node.get_closest_marker("sqlite_file"):
            pytest.skip("about the SQLite file itself (its pragmas, FTS5, backups or migrations)")
        from tests.backends import fresh_database

        url_gen = fresh_database()
        url = next(url_gen)
        monkeypatch.setenv("READINGLIST_DATABASE_URL", url)  # other opens and child processes too
    library = Library.open(
        library_dir,
        _offline_endpoints(),
        database_url=url,
    )
    yield library
    library.close()
    if url_gen is not None:
        for _ in url_gen:
            pass


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The database URL of a test's back end: None (the SQLite file) or a fresh PostgreSQL
    database (skipped without READINGLIST_TEST_DATABASE_URL). Tests marked ``backends``."""
    if request.param == "sqlite":
        yield None
        return
    from tests.backends import fresh_database

    yield from fresh_database()


@pytest.fixture
def blib(library_dir: Path, backend: str | None) -> Iterator[object]:
    """``lib`` on each back end."""
    from readinglist.services.library import Library

    library = Library.open(
        library_dir,
        _offline_endpoints(),
        database_url=backend,
    )
    yield library
    library.close()


# -- a local server playing Hugging Face and arXiv, from tests/fixtures ----------------------

FEED_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
    "  <id>https://arxiv.org/api/local</id>\n  <title>arXiv Query</title>\n"
    "  <updated>2026-05-12T09:14:27Z</updated>\n"
    "  <opensearch:itemsPerPage>100</opensearch:itemsPerPage>\n"
    "  <opensearch:totalResults>{n}</opensearch:totalResults>\n"
    "  <opensearch:startIndex>0</opensearch:startIndex>\n"
)


def arxiv_entry_xml(arxiv_id: str) -> str | None:
    """The <entry> of one recorded id (versioned or not) from tests/fixtures/arxiv/query."""
    import re

    base = re.sub(r"v\d+$", "", arxiv_id).replace("/", "_")
    for path in sorted((FIXTURES / "arxiv" / "query").glob("*.xml")):
        if "," in path.stem:
            continue
        if re.sub(r"v\d+$", "", path.stem) == base:
            m = re.search(r"<entry>.*?</entry>", path.read_text(encoding="utf-8"), re.S)
            if m:
                return m.group(0)
    return None


class FixtureServer:
    """Serves Daily Papers days and arXiv metadata from the fixtures; counts requests."""

    def __init__(self, httpserver: object) -> None:
        from werkzeug import Request, Response

        self.server = httpserver
        self.requests: list[str] = []
        self.days: dict[str, bytes] = {}
        for path in (FIXTURES / "hf" / "daily_papers").glob("*.json"):
            self.days[path.stem] = path.read_bytes()
        self.fail_with: int | None = None

        def daily(req: Request) -> Response:
            day = req.args.get("date", "")
            self.requests.append(f"daily {day}")
            if self.fail_with:
                return Response("server trouble", status=self.fail_with)
            body = self.days.get(day, b"[]")
            return Response(body, content_type="application/json")

        def query(req: Request) -> Response:
            ids = [i for i in req.args.get("id_list", "").split(",") if i]
            self.requests.append("arxiv " + ",".join(ids))
            entries = [e for e in (arxiv_entry_xml(i) for i in ids) if e]
            xml = FEED_HEAD.format(n=len(entries)) + "\n".join(entries) + "\n</feed>\n"
            return Response(xml, content_type="application/atom+xml")

        httpserver.expect_request("/api/daily_papers").respond_with_handler(daily)  # type: ignore[attr-defined]
        httpserver.expect_request("/api/query").respond_with_handler(query)  # type: ignore[attr-defined]

    @property
    def base(self) -> str:
        return self.server.url_for("").rstrip("/")  # type: ignore[attr-defined]

    def endpoints(self) -> object:
        from readinglist.config import Endpoints

        return Endpoints(hf=self.base, arxiv=self.base, arxiv_api=self.base + "/api/query", arxiv_delay=0)

    def env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HF_ENDPOINT", self.base)
        monkeypatch.setenv("READINGLIST_ARXIV_ENDPOINT", self.base)
        monkeypatch.setenv("READINGLIST_ARXIV_API", self.base + "/api/query")


@pytest.fixture
def fixture_server(httpserver: object) -> FixtureServer:
    return FixtureServer(httpserver)


@pytest.fixture
def served_lib(fixture_server: FixtureServer, library_dir: Path) -> Iterator[object]:
    from readinglist.services.library import Library

    library = Library.open(library_dir, fixture_server.endpoints())  # type: ignore[arg-type]
    yield library
    library.close()


@pytest.fixture
def cli(
    fixture_server: FixtureServer, library_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]  # fmt: skip
    """The CLI in this process on the test's library, the fixture server as its hosts:
    ``cli(*args) -> (exit code, stdout, stderr)``."""
    from readinglist.cli.main import main

    fixture_server.env(monkeypatch)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--library", str(library_dir), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@contextlib.contextmanager
def statements_of(lib: Library) -> Iterator[list[str]]:
    """The SQL the library's engine runs inside the block (what a test says is never read)."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(lib._engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(lib._engine, "before_cursor_execute", record)
