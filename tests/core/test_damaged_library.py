"""A damaged, read-only or busy library: clear messages, never a traceback; restore brings it back."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


def _damage(db: Path) -> None:
    """8 KB of garbage in the middle of the file, as a bad sector or a bad copy leaves it."""
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(size // 2 - 4096)
        f.write(os.urandom(8192))


def _filled(cli, library_dir: Path) -> Path:  # type: ignore[no-untyped-def]
    code, _, err = cli("import", str(FIXTURES / "bib" / "thesis.bib"))
    assert code == 0, err
    assert cli("tag", "ref001", "thesis")[0] == 0
    assert list((library_dir / "backups").glob("library-*-daily.sqlite3"))
    db = library_dir / "library.sqlite3"
    assert db.stat().st_size > 64 * 1024
    return db


COMMANDS = (
    ("list",), ("search", "flaky"), ("show", "ref001"), ("tag", "ref002", "x"), ("note", "ref002", "hi"),
    ("export", "--saved"), ("sync", "--date", "2024-05-31"), ("check",), ("check", "--fix"), ("undo",),
)  # fmt: skip


def test_every_command_on_a_damaged_library_says_so_and_restore_brings_it_back(
    cli,
    library_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    db = _filled(cli, library_dir)
    _damage(db)
    for args in COMMANDS:
        code, _, err = cli(*args)
        assert code == 1, (args, err)
        assert "Traceback" not in err
        assert "damaged" in err.lower() or "DAMAGED" in err, (args, err)
    code, _, err = cli("check")
    assert "readinglist restore" in err and "library is DAMAGED" in err
    code, out, _ = cli("restore", "--list")
    assert code == 0 and "ok" in out
    code, _, err = cli("restore")
    assert code == 0, err
    assert "restored the backup of" in err
    aside = [p for p in library_dir.glob("library.sqlite3.damaged-*") if p.name[-1].isdigit()]
    assert len(aside) == 1 and aside[0].stat().st_size > 0
    code, out, err = cli("check")
    assert code == 0 and "library OK" in err, err
    code, out, _ = cli("list", "--format", "json")
    assert code == 0 and "ref001" in out


def _as_reader(folder: Path, *args: str) -> tuple[int, str, str]:
    """The CLI in a process that may read but not write ``folder``."""
    cmd = [sys.executable, "-m", "readinglist.cli.main", "--library", str(folder), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=60)
    return done.returncode, done.stdout, done.stderr


@contextlib.contextmanager
def _read_only_copy(library_dir: Path) -> Iterator[Path]:
    """A copy of the library in a folder nobody can write: as root (who ignores permission bits)
    a tmpfs remounted read-only, like a snapshot or a write-protected backup disk; otherwise a
    folder with its write bits off."""
    folder = Path(tempfile.mkdtemp(prefix="rl-readonly-"))
    mounted = False
    try:
        if os.geteuid() == 0:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=50m", "tmpfs", str(folder)], capture_output=True
            )
            if done.returncode != 0:
                pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
            mounted = True
            shutil.copytree(library_dir, folder / "lib")
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            shutil.copytree(library_dir, folder / "lib")
            for p in [folder, *folder.rglob("*")]:
                p.chmod(0o555 if p.is_dir() else 0o444)
        yield folder / "lib"
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            for p in [folder, *folder.rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_library_folder_still_reads(cli, library_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _filled(cli, library_dir)
    with _read_only_copy(library_dir) as lib:
        code, out, err = _as_reader(lib, "list", "--format", "json")
        assert code == 0, err
        assert "ref001" in out and "read-only" in err
        assert _as_reader(lib, "show", "ref001")[0] == 0
        code, out, err = _as_reader(lib, "export", "--saved")
        assert code == 0 and "@misc{ref002" in out, err
        code, _, err = _as_reader(lib, "tag", "ref001", "y")
        assert code == 1 and "read-only" in err and "Traceback" not in err, err


def test_a_change_reaches_the_main_file_not_only_the_wal(cli, library_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _filled(cli, library_dir)
    reader = sqlite3.connect(library_dir / "library.sqlite3")  # a reader staying open, like the GUI
    reader.execute("SELECT count(*) FROM papers").fetchone()
    try:
        assert cli("note", "ref003", "kept")[0] == 0
        wal = library_dir / "library.sqlite3-wal"
        if wal.exists():
            copy = library_dir.parent / "copy.sqlite3"
            copy.write_bytes((library_dir / "library.sqlite3").read_bytes())  # a copy without the -wal
            con = sqlite3.connect(copy)
            notes = [r[0] for r in con.execute("SELECT note FROM papers WHERE citekey = 'ref003'")]
            con.close()
            assert [n.strip() for n in notes] == ["kept"]
    finally:
        reader.close()


def test_a_write_lock_held_too_long_is_named_as_another_writer(cli, library_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _filled(cli, library_dir)
    holder = sqlite3.connect(library_dir / "library.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        code, _, err = cli("tag", "ref001", "waiting")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and "Traceback" not in err
    assert "another program (most likely another readinglist" in err and "more than 10 s" in err, err
    assert "damaged" not in err


def test_the_quick_check_is_skipped_only_while_nothing_wrote_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.db import health

    db = tmp_path / "library.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t(x)")
    con.executemany("INSERT INTO t VALUES (?)", [(os.urandom(200),) for _ in range(2000)])
    con.commit()
    con.close()
    checks: list[Path] = []
    real = health.problems_of

    def counted(path: Path, **kw: object) -> list[str]:
        checks.append(path)
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(health, "problems_of", counted)
    health.check_at_open(db)
    health.check_at_open(db)
    assert len(checks) == 1  # the second open found the file as the first check left it

    con = sqlite3.connect(db)
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    health.check_at_open(db)
    assert len(checks) == 2  # written since: checked again

    _damage(db)
    with pytest.raises(health.DamagedLibrary):
        health.check_at_open(db)
    today = dt.date.today().isoformat()
    assert (tmp_path / "logs" / "quick_check.ok").read_text() != health._file_stamp(db, today)
    with pytest.raises(health.DamagedLibrary):
        health.check_at_open(db)  # and still refused on the next open
