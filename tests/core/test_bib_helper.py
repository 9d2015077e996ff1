"""Issue 16: a big .bib import decodes part of its entries in a second process
(services/bib_helper.py). The import gets exactly what the one-process reader gives, and a
helper that cannot start, runs other code, dies or hangs costs nothing but time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist.bibtex.reader import parse_bibtex_file
from readinglist.services import bib_helper
from readinglist.services.bib_helper import BibHelper, parse_bib_metas, start_early
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]

TRICKY = r"""@string{venue = "Proc. of the Conf"}
@article{child2020, crossref = {parent2020}, title = {A Child of {GPU}s}, author = {M{\"u}ller, J{\"o}rg and Nguyễn Văn An}}
@string{venue = venue # " (again)"}
@article{strung2021, title = {Strings}, journal = venue, author = {Ada Lovelace}, year = 2021, month = mar}
@article{child2020, title = {The same key again}}
@misc{untitled2022, author = {Nobody}}
@article{broken2022, title = {Unbalanced {brace, author = {X}
@proceedings{parent2020, title = {The Proceedings}, year = {2020}, publisher = {ACM}}
@article{last2023, title = {Caf\'e \& $O(n^2)$ \textbf{bold}}, author = {de la Cruz, José}, abstract = {An {abstract} with \emph{TeX}.}, eprint = {2405.00001}, archiveprefix = {arXiv}}
"""


@pytest.fixture
def every_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every file gets a helper, however small."""
    monkeypatch.setattr(bib_helper, "MIN_BYTES", 0)
    yield
    bib_helper._stop_early()


@pytest.fixture
def delivered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each helper's share came from the helper (True) or was decoded here (False)."""
    seen: list[bool] = []
    real = BibHelper.results

    def spy(self: BibHelper, count: int, first: int) -> object:
        got = real(self, count, first)
        seen.append(got is not None)
        return got

    monkeypatch.setattr(BibHelper, "results", spy)
    return seen


def _one_process(path: Path) -> tuple[list[object], tuple[object, ...]]:
    parsed = parse_bibtex_file(path)
    return [e.meta for e in parsed.entries], parsed.problems


def _many(tmp_path: Path, n: int = 60) -> Path:
    path = tmp_path / "many.bib"
    path.write_text(
        "".join(
            f"@article{{k{i},\n  title = {{Paper {i} on caf\\'e {{GPU}}s}},\n  author = {{M{{\\\"u}}ller, J. and Doe, Jane}},\n"
            f"  year = {{{2000 + i % 20}}},\n  abstract = {{Abstract {i} with $x^2$ and \\emph{{TeX}}.}},\n}}\n\n"
            for i in range(n)
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "bib").glob("*.bib")))
def test_every_fixture_comes_out_as_the_one_process_reader_reads_it(
    every_file: None, delivered: list[bool], name: str
) -> None:
    path = FIXTURES / "bib" / name
    assert parse_bib_metas(path) == _one_process(path)
    assert delivered == [True]


@pytest.mark.parametrize("share", [0.0, 0.4, 0.6, 1.0])
def test_macros_crossrefs_duplicates_and_problems_are_the_same_whatever_the_share(
    every_file: None, delivered: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    monkeypatch.setattr(bib_helper, "SHARE", share)
    path = tmp_path / "tricky.bib"
    path.write_text(TRICKY, encoding="utf-8")
    metas, problems = parse_bib_metas(path)
    assert (metas, problems) == _one_process(path)
    assert [m.title for m in metas] == ["A Child of GPUs", "Strings", "Café & $O(n^2)$ bold"]
    assert metas[1].journal == "Proc. of the Conf (again)" and metas[0].booktitle == "The Proceedings"
    assert len(problems) >= 3 and delivered == [True]
    latin = tmp_path / "latin.bib"  # decoded as Latin-1, with a note among the problems
    latin.write_bytes(b"@article{x1, title = {Caf\xe9 au lait}, author = {M\xfcller, J.}}\n")
    assert parse_bib_metas(latin) == _one_process(latin)
    assert any("Latin-1" in p.message for p in parse_bib_metas(latin)[1])


def test_a_helper_running_other_code_is_not_used(
    every_file: None, delivered: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _many(tmp_path)
    monkeypatch.setattr(bib_helper, "_VERSION", "another-version")  # what it is told it should run
    assert parse_bib_metas(path) == _one_process(path)
    assert delivered == [False]


def test_a_helper_that_dies_or_hangs_costs_only_time(
    every_file: None, delivered: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _many(tmp_path)
    started: list[BibHelper] = []
    real = BibHelper.start.__func__  # type: ignore[attr-defined]

    def killed(cls: type[BibHelper], data: bytes, name: str, share: float) -> BibHelper | None:
        helper = real(cls, data, name, share)
        assert helper is not None
        started.append(helper)
        helper._proc.kill()
        return helper

    monkeypatch.setattr(BibHelper, "start", classmethod(killed))
    assert parse_bib_metas(path) == _one_process(path)

    def stopped(cls: type[BibHelper], data: bytes, name: str, share: float) -> BibHelper | None:
        helper = real(cls, data, name, share)
        assert helper is not None
        started.append(helper)
        os.kill(helper._proc.pid, signal.SIGSTOP)
        return helper

    monkeypatch.setattr(BibHelper, "start", classmethod(stopped))
    monkeypatch.setattr(bib_helper, "WAIT_S", 0.5)
    assert parse_bib_metas(path) == _one_process(path)
    assert delivered == [False, False]
    assert all(h._proc.poll() is not None for h in started)  # neither is left running


def test_no_interpreter_to_start_means_no_helper(
    every_file: None, delivered: list[bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _many(tmp_path)
    monkeypatch.setattr(sys, "executable", "")
    assert BibHelper.start(b"", "x.bib", 0.5) is None
    assert parse_bib_metas(path) == _one_process(path)
    assert delivered == []


def test_a_helper_started_early_is_taken_once_and_one_never_taken_is_stopped(
    every_file: None, delivered: list[bool], tmp_path: Path
) -> None:
    path = _many(tmp_path)
    start_early(path)
    _data, helper = bib_helper._early[bib_helper._early_key(path)]
    assert helper is not None and helper.share == bib_helper.SHARE_EARLY
    path.write_text("@article{changed, title = {Changed after the start}}\n", encoding="utf-8")
    metas, _problems = parse_bib_metas(path)  # the bytes read when the command began
    assert len(metas) == 60 and delivered == [True] and not bib_helper._early
    start_early(path)
    _data, unused = bib_helper._early[bib_helper._early_key(path)]
    assert unused is not None
    bib_helper._stop_early()  # what the exit does
    assert unused._proc.poll() is not None and not bib_helper._early
    start_early(tmp_path / "missing.bib")  # the import itself says what is wrong with it
    assert not bib_helper._early


def test_the_import_command_uses_a_helper_for_a_big_file(tmp_path: Path) -> None:
    path = _many(tmp_path, n=bib_helper.MIN_BYTES // 170)  # just over a MiB
    assert path.stat().st_size >= bib_helper.MIN_BYTES
    lib = tmp_path / "lib"
    run = [sys.executable, "-m", "readinglist", "--library", str(lib)]
    res = subprocess.run([*run, "--debug", "import", str(path)], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "bib helper decoded" in res.stderr  # started before the library opened, and used
    listed = subprocess.run([*run, "list", "--limit", "100000", "--format", "json"], cwd=ROOT, capture_output=True,
                            text=True, check=True)  # fmt: skip
    rows = json.loads(listed.stdout)
    expected = _one_process(path)[0]
    assert sorted(r["title"] for r in rows) == sorted(m.title for m in expected)  # type: ignore[attr-defined]
