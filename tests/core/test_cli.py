"""The command line end to end: the issue's morning session, JSON contracts, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import FixtureServer


def test_the_issue_walkthrough(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("sync", "--date", "2024-05-31")
    assert code == 0, err
    assert "2024-05-31: 6 papers (6 new" in err
    code, out, _ = cli("list", "--date", "2024-05-31", "--format", "json")
    papers = json.loads(out)
    assert code == 0 and papers[0]["arxiv_id"] == "2405.20204"
    first = papers[0]
    for key in ("arxiv_id", "title", "authors", "published", "upvotes", "feed_dates", "saved", "status", "tags",
                "citekey", "pdf"):  # fmt: skip
        assert key in first
    assert (
        first["feed_dates"] == ["2024-05-31"] and first["pdf"] is None and isinstance(first["authors"], list)
    )
    code, out, _ = cli("search", "contrastive retrieval")
    assert code == 0 and "2405.20204" in out
    code, _, err = cli("add", "2405.20204", "https://arxiv.org/abs/1706.03762v7")
    assert code == 0, err
    assert "1706.03762" in err and "Attention" in err
    assert cli("save", "2405.20204")[0] == 0
    assert cli("tag", "2405.20204", "retrieval", "clip")[0] == 0
    assert cli("status", "2405.20204", "reading")[0] == 0
    assert cli("note", "2405.20204", "Compare with SigLIP.")[0] == 0
    code, out, _ = cli("list", "--saved", "--tag", "clip", "--format", "json")
    rows = json.loads(out)
    assert [r["arxiv_id"] for r in rows] == ["2405.20204"]
    assert rows[0]["status"] == "reading" and rows[0]["tags"] == ["clip", "retrieval"]
    assert rows[0]["note"].strip() == "Compare with SigLIP."
    # A second sync of the same day changes nothing the user made.
    assert cli("sync", "--date", "2024-05-31")[0] == 0
    code, out, _ = cli("show", "2405.20204", "--format", "json")
    again = json.loads(out)
    assert again["tags"] == ["clip", "retrieval"] and again["saved"] and again["status"] == "reading"
    code, out, err = cli("show", "1706.03762")
    assert code == 0 and "Attention Is All You Need" in out
    assert cli("check")[0] == 0


def test_errors_exit_1_with_a_message_and_usage_errors_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("show", "2405.20204")
    assert code == 1 and err.startswith("error: ") and "not in the library" in err
    code, _, err = cli("add", "not-an-id")
    assert code == 1 and "not an arXiv id" in err
    with pytest.raises(SystemExit) as exc:
        cli("status", "2405.20204", "skimmed")
    assert exc.value.code == 2
    assert cli("check")[0] == 0  # a failed command leaves the library healthy


def test_add_unknown_id_adds_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("add", "2405.99999")
    assert code == 1 and "2405.99999" in err
    code, out, _ = cli("list", "--format", "json")
    assert json.loads(out) == []


def test_sync_failure_exit_code(cli, fixture_server: FixtureServer, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from readinglist.sources import http

    monkeypatch.setattr(http.HttpPolicy, "backoff", 0.01)
    fixture_server.fail_with = 500
    code, _, err = cli("sync", "--date", "2024-05-31")
    assert code == 1 and "500" in err
    assert cli("check")[0] == 0


def test_gui_without_frontend_says_how_to_get_it(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import readinglist.cli.maintenance as m

    monkeypatch.setattr(m, "entry_points", lambda **kw: [])
    code, _, err = cli("gui")
    assert code == 1 and "not installed" in err


def test_debug_shows_the_traceback(cli) -> None:  # type: ignore[no-untyped-def]
    from readinglist.errors import NotFoundError

    with pytest.raises(NotFoundError):
        cli("--debug", "show", "2405.20204")


def test_the_daily_backup_holds_the_library_as_the_day_found_it(cli, library_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The command that makes a library has nothing to back up; the next changing command backs
    up the library before it changes it."""
    daily = library_dir / "backups"
    assert cli("sync", "--date", "2024-05-31")[0] == 0  # makes the library
    assert not list(daily.glob("library-*-daily.sqlite3"))
    assert cli("tag", "2405.20204", "clip")[0] == 0
    [backup] = daily.glob("library-*-daily.sqlite3")
    con = sqlite3.connect(backup)
    assert con.execute("SELECT count(*) FROM papers").fetchone()[0] == 6  # the first command's papers
    assert con.execute("SELECT count(*) FROM paper_tags").fetchone()[0] == 0  # not yet the tag
    con.close()
    live = sqlite3.connect(library_dir / "library.sqlite3")
    assert live.execute("SELECT count(*) FROM paper_tags").fetchone()[0] == 1
    live.close()


def test_a_failed_daily_backup_warns_and_the_command_goes_on(
    cli, library_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from readinglist.errors import StorageError
    from readinglist.services.library import Library

    assert cli("sync", "--date", "2024-05-31")[0] == 0

    def full_disk(self: Library, reason: str = "manual") -> Path:  # root ignores permissions here
        raise StorageError("no space left on device")

    monkeypatch.setattr(Library, "backup", full_disk)
    code, _out, err = cli("tag", "2405.20204", "clip")
    assert code == 0 and "the daily backup failed" in err
    live = sqlite3.connect(library_dir / "library.sqlite3")
    assert live.execute("SELECT count(*) FROM paper_tags").fetchone()[0] == 1
    live.close()
    monkeypatch.undo()  # the disk has room again: the next changing command takes the day's backup
    assert cli("tag", "2405.20204", "vision")[0] == 0
    assert len(list((library_dir / "backups").glob("library-*-daily.sqlite3"))) == 1


def test_a_changing_command_takes_the_daily_backup_once(cli, library_dir: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("sync", "--date", "2024-05-31")[0] == 0
    assert cli("save", "2405.20204")[0] == 0
    assert cli("list")[0] == 0
    backups = list((library_dir / "backups").glob("library-*-daily.sqlite3"))
    assert len(backups) == 1


def test_a_big_import_lists_a_few_papers_and_counts_the_rest(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bib = tmp_path / "many.bib"
    bib.write_text(
        "".join(
            f"@article{{key{n},\n  title = {{Paper number {n} about sparse attention}},\n"
            f"  author = {{Ng, Zoë}},\n  year = {{2024}},\n}}\n\n"
            for n in range(60)
        ),
        encoding="utf-8",
    )
    code, _out, err = cli("import", str(bib))
    assert code == 0
    listed = [line for line in err.splitlines() if line.startswith("added ")]
    assert listed[0] == "added key0: Paper number 0 about sparse attention" and len(listed) == 20
    assert "… and 40 more added (60 in all; --format json lists them)" in err
    code, out, _err = cli("import", str(bib), "--format", "json")
    assert code == 0 and len(json.loads(out)["merged"]) == 60  # every paper, again


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    """``readinglist list | head -1``: the reader leaves early; no traceback, nothing lost."""
    import os
    import subprocess
    import sys

    bib = tmp_path / "many.bib"
    bib.write_text(
        "".join(f"@article{{key{n},\n  title = {{A paper number {n} on long titles}},\n  year = {{2024}},\n}}\n\n"
                for n in range(1500)),
        encoding="utf-8",
    )  # fmt: skip
    env = {**os.environ, "READINGLIST_HOME": str(tmp_path / "home")}
    rl = [sys.executable, "-m", "readinglist", "--library", str(tmp_path / "lib")]
    subprocess.run([*rl, "import", str(bib)], check=True, capture_output=True, env=env)
    proc = subprocess.Popen(
        [*rl, "list", "--limit", "2000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # one line, then the reader goes away with ~100 KB unread
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    listed = subprocess.run(
        [*rl, "list", "--limit", "2000", "--format", "json"], capture_output=True, env=env
    )
    assert listed.returncode == 0 and listed.stdout.count(b'"citekey"') == 1500
