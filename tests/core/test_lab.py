"""A lab library: the same operations, search and CLI on SQLite and PostgreSQL (``backends``),
stale note writes refused across real processes, live updates, and ``migrate --to``."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readinglist.errors import StaleWriteError, StorageError
from readinglist.records import PaperMeta
from readinglist.services import history, papers
from readinglist.services.library import Library

pytestmark = pytest.mark.backends
ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from readinglist.cli.main import main; sys.exit(main())"]


def meta(n: int, **kw: object) -> PaperMeta:
    base: dict[str, object] = {
        "arxiv_id": f"2401.{n:05d}",
        "title": f"Paper {n}",
        "authors": ("Ann Author",),
        "published": dt.date(2024, 1, 1),
    }
    base.update(kw)
    return PaperMeta(**base)  # type: ignore[arg-type]


def run_cli(root: Path, url: str | None, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("READINGLIST_DATABASE_URL", None)
    if url:
        env["READINGLIST_DATABASE_URL"] = url
    return subprocess.run(
        [*CLI, "--library", str(root), *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


# -- the same search on both back ends --------------------------------------------------------

CORPUS = [
    dict(title="Contrastive retrieval with CLIP", authors=("Han Xiao", "Jörg Günther"), year=2021),
    dict(title="Transformers for tables", abstract="A transformer reads tabular data.",
         authors=("Ana Martínez",), published=dt.date(2023, 2, 1)),
    dict(title="Retrieval augmented generation", abstract="contrastive pretraining helps",
         authors=("Jörg Günther",), published=dt.date(2020, 5, 1)),
    dict(title="Sparse mixture-of-experts routing", abstract="Experts route tokens; retrieval-free.",
         authors=("Wei Zhang", "Ana Martínez"), published=dt.date(2024, 3, 3)),
]  # fmt: skip

SEARCHES: dict[str, set[int]] = {
    "contrastive retrieval": {0, 2},
    '"contrastive retrieval"': {0},
    "transf*": {1},
    "tag:tables": {1},
    "author:martinez": {1, 3},  # accents folded
    'author:"jorg gunther"': {0, 2},
    "retrieval -contrastive": {3},
    "clip OR tables": {0, 1},
    "year:2023": {1},
    "year:>2021": {1, 3},
    "year:2020-2021": {0, 2},
    "mixture experts": {3},
    '"mixture of experts"': {3},
    "siglip": {2},  # the note
    "retrieval tag:tables": set(),
    "is:starred": {3},
    "route*": {3},
    "-tag:tables retrieval": {0, 2, 3},
}


@pytest.fixture
def corpus(blib: Library) -> list[int]:
    ids, _ = papers.upsert(blib, [meta(i + 1, **kw) for i, kw in enumerate(CORPUS)])  # type: ignore[arg-type]
    papers.tag(blib, [ids[1]], ["tables"])
    papers.append_note(blib, ids[2], "Compare with SigLIP")
    papers.star(blib, [ids[3]])
    return ids


@pytest.mark.parametrize("query", sorted(SEARCHES))
def test_the_search_syntax_means_the_same_on_each_back_end(
    blib: Library, corpus: list[int], query: str
) -> None:
    found = {h.paper_id for h in blib.search(query)}
    assert found == {corpus[i] for i in SEARCHES[query]}


def test_match_explanations_mark_the_matched_words(blib: Library, corpus: list[int]) -> None:
    from readinglist.search import MARK_CLOSE, MARK_OPEN

    info = blib.match_info("tables", [corpus[1]])
    assert info[corpus[1]].title == f"Transformers for {MARK_OPEN}tables{MARK_CLOSE}"


# -- the unit of work and undo on both ---------------------------------------------------------


def test_tag_note_status_undo_redo_on_each_back_end(blib: Library) -> None:
    (pid,), _ = papers.upsert(blib, [meta(1)], save=True)
    papers.tag(blib, [pid], ["a", "B"])
    papers.tag(blib, [pid], ["b"])  # same tag, without case
    papers.set_status(blib, [pid], "reading")
    papers.append_note(blib, pid, "first")
    assert blib.get(pid).tags == ("a", "B")
    history.undo(blib)
    assert blib.get(pid).note == ""
    history.undo(blib)
    assert blib.get(pid).status == "unread"
    history.redo(blib)
    assert blib.get(pid).status == "reading"
    assert {h.paper_id for h in blib.search("tag:a")} == {pid}


def test_a_stale_note_write_is_refused_and_changes_nothing(blib: Library) -> None:
    (pid,), _ = papers.upsert(blib, [meta(1)], save=True)
    papers.set_note(blib, pid, "v1\n")
    _, version = papers.note_state(blib, pid)
    papers.set_note(blib, pid, "somebody else's text\n", base_version=version)
    with pytest.raises(StaleWriteError, match="changed since"):
        papers.set_note(blib, pid, "my stale text\n", base_version=version)
    assert papers.note_state(blib, pid) == ("somebody else's text\n", version + 1)


def test_two_processes_replacing_one_note_at_once_one_wins_the_other_is_told(blib: Library) -> None:
    (pid,), _ = papers.upsert(blib, [meta(1)], save=True)
    papers.set_note(blib, pid, "base\n")
    _, version = papers.note_state(blib, pid)
    blib.close()
    env = dict(os.environ)
    env.pop("READINGLIST_DATABASE_URL", None)
    if blib.database_url:
        env["READINGLIST_DATABASE_URL"] = blib.database_url
    procs = [
        subprocess.Popen(
            [
                *CLI,
                "--library",
                str(blib.root),
                "note",
                f"#{pid}",
                f"text of {who}",
                "--replace",
                "--if-version",
                str(version),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("A", "B")
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, err in results if code == 1)
    assert "changed since" in loser and "Traceback" not in loser
    winner = "AB"[[c for c, _ in results].index(0)]
    again = Library.open(blib.root, database_url=blib.database_url)
    try:
        assert papers.note_state(again, pid) == (f"text of {winner}\n", version + 1)
    finally:
        again.close()


def test_two_processes_appending_to_one_note_keep_both_texts(blib: Library) -> None:
    (pid,), _ = papers.upsert(blib, [meta(1)], save=True)
    env = dict(os.environ)
    env.pop("READINGLIST_DATABASE_URL", None)
    if blib.database_url:
        env["READINGLIST_DATABASE_URL"] = blib.database_url
    script = (
        "import sys\nfrom readinglist.services.library import Library\nfrom readinglist.services import papers\n"
        "lib = Library.open(sys.argv[1])\n"
        "for n in range(25):\n    papers.append_note(lib, int(sys.argv[2]), f'{sys.argv[3]} line {n}')\n"
        "lib.close()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(blib.root), str(pid), who], cwd=ROOT, env=env)
        for who in "ab"
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    lines = [ln for ln in papers.note_state(blib, pid)[0].splitlines() if ln.strip()]
    assert sorted(lines) == sorted(f"{w} line {n}" for w in "ab" for n in range(25))
    assert papers.note_state(blib, pid)[1] == 50


# -- the CLI, migrate --------------------------------------------------------------------------


def test_migrate_copies_a_sqlite_library_and_lists_the_same(tmp_path: Path, backend: str | None) -> None:
    root = tmp_path / "lib"
    src = Library.open(root)
    ids, _ = papers.upsert(src, [meta(i + 1, **kw) for i, kw in enumerate(CORPUS)])  # type: ignore[arg-type]
    papers.tag(src, ids[:2], ["lab", "Ünïcode"])
    papers.append_note(src, ids[0], "a note")
    papers.set_status(src, [ids[1]], "read")
    src.close()
    target = backend or f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    res = run_cli(root, None, "migrate", "--to", target)
    assert res.returncode == 0, res.stderr
    assert "verified" in res.stderr
    a = run_cli(root, None, "list", "--format", "json")
    b = run_cli(root, None, "--database-url", target, "list", "--format", "json")
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout) == json.loads(b.stdout) and len(json.loads(a.stdout)) == 4
    # The copy is a working library: new rows get new ids, search finds the copied text.
    c = run_cli(root, None, "--database-url", target, "tag", f"#{ids[2]}", "new")
    assert c.returncode == 0, c.stderr
    s = run_cli(root, None, "--database-url", target, "search", "tag:lab", "--format", "json")
    assert sorted(p["id"] for p in json.loads(s.stdout)) == sorted(ids[:2])
    again = run_cli(root, None, "migrate", "--to", target)
    assert again.returncode == 1 and "already holds a library" in again.stderr


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_an_unreachable_server_is_one_clear_message(tmp_path: Path) -> None:
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/lab"
    res = run_cli(tmp_path / "lib", url, "list")
    assert res.returncode == 1
    assert res.stderr.startswith(
        "error: cannot reach the PostgreSQL library at postgresql+psycopg://nobody@127.0.0.1"
    )
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    with pytest.raises(StorageError, match="cannot reach"):
        Library.open(tmp_path / "lib", database_url=url)


# -- live updates (PostgreSQL) -----------------------------------------------------------------


def test_a_tag_added_by_a_appears_in_bs_running_session_within_two_seconds(blib: Library) -> None:
    if not blib.is_shared:
        pytest.skip("live updates are a server's (PostgreSQL)")
    (pid,), _ = papers.upsert(blib, [meta(1)], save=True)
    env = dict(os.environ, READINGLIST_DATABASE_URL=str(blib.database_url), READINGLIST_USER="bea")
    watch = subprocess.Popen(
        [*CLI, "--library", str(blib.root), "watch", "--seconds", "30"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert watch.stderr is not None and watch.stdout is not None
        assert "watching" in watch.stderr.readline()
        time.sleep(0.3)
        t0 = time.monotonic()
        papers.tag(blib, [pid], ["seen-by-bea"])  # member A, this process
        line = watch.stdout.readline()
        elapsed = time.monotonic() - t0
        change = json.loads(line)
        assert change["papers"][0]["id"] == pid and "seen-by-bea" in change["papers"][0]["tags"]
        assert elapsed < 2.0
    finally:
        watch.kill()
        watch.wait()


def test_the_subscriber_feeds_the_librarys_listeners_and_misses_nothing(blib: Library) -> None:
    if not blib.is_shared:
        pytest.skip("live updates are a server's (PostgreSQL)")
    from readinglist.services.live import Subscriber

    (pid,), _ = papers.upsert(blib, [meta(1)], save=True)
    other = Library.open(blib.root, database_url=blib.database_url)
    seen: list[object] = []
    other.on_change.append(seen.append)
    sub = Subscriber(other).start()
    try:
        for n in range(5):
            papers.tag(blib, [pid], [f"t{n}"])
        deadline = time.monotonic() + 5
        while len(seen) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(seen) == 5 and all(pid in c.papers and c.tags for c in seen)  # type: ignore[attr-defined]
        assert set(other.get(pid).tags) == {f"t{n}" for n in range(5)}
    finally:
        sub.stop()
        other.close()


# -- parity: random queries, both engines side by side -------------------------------------------

WORDS = ["contrastive", "retrieval", "transformer", "diffusion", "sparse", "attention", "mixture",
         "experts", "vision", "language", "café", "naïve", "self-supervised", "x86", "gpt4", "über"]  # fmt: skip
NAMES = ["Ana Martínez", "Jörg Günther", "Wei Zhang", "Han Xiao", "Zoë O'Neil"]


def _random_corpus(rng: object, n: int) -> list[PaperMeta]:
    import random

    assert isinstance(rng, random.Random)
    return [
        meta(i + 1, title=" ".join(rng.choice(WORDS) for _ in range(5)).capitalize(),
             abstract=" ".join(rng.choice(WORDS) for _ in range(20)),
             authors=tuple(rng.sample(NAMES, 2)), published=dt.date(2019 + i % 6, 1 + i % 12, 1))
        for i in range(n)
    ]  # fmt: skip


def _random_query(rng: object) -> str:
    import random

    assert isinstance(rng, random.Random)
    parts = []
    for _ in range(rng.randint(1, 3)):
        w = rng.choice(WORDS)
        kind = rng.choice(["word", "prefix", "phrase", "neg", "or", "author", "tag", "year"])
        if kind == "prefix":
            parts.append(w[: max(2, len(w) // 2)] + "*")
        elif kind == "phrase":
            parts.append(f'"{w} {rng.choice(WORDS)}"')
        elif kind == "neg":
            parts.append("-" + w)
        elif kind == "or":
            parts.append(f"{w} OR {rng.choice(WORDS)}")
        elif kind == "author":
            parts.append("author:" + rng.choice(NAMES).split()[-1].lower())
        elif kind == "tag":
            parts.append(f"tag:t{rng.randint(0, 3)}")
        elif kind == "year":
            parts.append(rng.choice(["year:2021", "year:>2022", "year:2019-2020"]))
        else:
            parts.append(w)
    return " ".join(parts)


def test_random_queries_find_the_same_papers_on_sqlite_and_postgresql(
    tmp_path: Path, backend: str | None
) -> None:
    import random

    if backend is None:
        pytest.skip("compares SQLite with PostgreSQL: runs in the postgresql parametrisation")
    rng = random.Random(14)
    corpus = _random_corpus(rng, 120)
    libs = [Library.open(tmp_path / "s"), Library.open(tmp_path / "p", database_url=backend)]
    try:
        for lib in libs:
            ids, _ = papers.upsert(lib, corpus)
            for n in range(4):
                papers.tag(lib, ids[n::4][:30], [f"t{n}"])
            papers.append_note(lib, ids[0], "naïve café notes")
        checked = 0
        for _ in range(150):
            q = _random_query(rng)
            a = {h.paper_id for h in libs[0].search(q, limit=None)}
            b = {h.paper_id for h in libs[1].search(q, limit=None)}
            assert a == b, q
            checked += bool(a)
        assert checked > 50  # most queries find something: the comparison is not of empty sets
    finally:
        for lib in libs:
            lib.close()


def test_a_server_that_goes_away_mid_session_is_reported_and_the_session_recovers(tmp_path: Path) -> None:
    """A cluster of this test's own: stopped under an open library, then started again."""
    import shutil

    pgbin = os.environ.get("READINGLIST_TEST_PGBIN")
    if not pgbin or not os.environ.get("READINGLIST_TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL's binaries (run inside .ci/postgres.sh)")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="readinglist-pg-test-"))  # pytest's tmp is root's alone
    data = top / "pg"
    data.mkdir()
    if as_user:
        top.chmod(0o755)
        shutil.chown(data, "postgres")
    port = _closed_port()

    def pg(*args: str) -> None:
        subprocess.run(
            [*as_user, f"{pgbin}/{args[0]}", *args[1:]], check=True, capture_output=True, timeout=120
        )

    pg("initdb", "-D", str(data), "-U", "lab", "-A", "trust")
    start = (
        "pg_ctl",
        "-D",
        str(data),
        "-w",
        "-o",
        f"-h 127.0.0.1 -p {port} -k {data}",
        "-l",
        str(data / "log"),
        "start",
    )
    pg(*start)
    try:
        pg("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "lab", "lab")
        lib = Library.open(tmp_path / "lib", database_url=f"postgresql+psycopg://lab@127.0.0.1:{port}/lab")
        (pid,), _ = papers.upsert(lib, [meta(1)], save=True)
        pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        with pytest.raises(StorageError, match="nothing was changed") as err:
            papers.tag(lib, [pid], ["lost?"])
        assert "\n" not in str(err.value)
        pg(*start)
        papers.tag(lib, [pid], ["after-restart"])  # the pool replaces the dead connections
        assert lib.get(pid).tags == ("after-restart",)
        lib.close()
    finally:
        subprocess.run(
            [*as_user, f"{pgbin}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(top, ignore_errors=True)
