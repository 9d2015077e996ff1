"""The layering rules, checked on the source: the core never imports Qt or the GUI; the GUI and
the CLI never reach into the storage layer; and the unit of work is the only way the library
changes (no other module opens a write session, touches the full-text tables or notifies)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "ui")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def _sources(*folders: str) -> list[Path]:
    return [p for f in folders for p in (ROOT / f).rglob("*.py")]


def test_core_source_never_imports_qt_or_ui() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in _sources("readinglist")
        for name in _imports(p)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_the_gui_and_the_cli_never_import_the_storage_layer() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in _sources("ui", "readinglist/cli")
        for name in _imports(p)
        if name == "readinglist.db" or name.startswith("readinglist.db.")
    ]
    assert offenders == []


# What only the unit of work may do, and where it lives.
UNIT = {"readinglist/services/unit.py", "readinglist/services/history.py"}
RULES = {
    "opens a session": (
        re.compile(r"\.session\(\)|\bsessionmaker\(|\borm\.Session\("),
        UNIT | {"readinglist/db/engine.py"},
    ),
    "writes the search index": (
        re.compile(
            r"\bfts\.\w+\(|from readinglist\.db import (\w+, )*fts\b|from readinglist\.db\.fts import"
        ),
        UNIT | {"readinglist/db/fts.py"},
    ),
    "writes a full-text table in SQL": (
        re.compile(r"(INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+(papers_fts|pdf_fts)\b", re.I),
        {"readinglist/db/fts.py"},
    ),
    "notifies listeners": (re.compile(r"\b_notify\b|for \w+ in (list\()?[\w.]*on_change\b"), UNIT),
}


def test_only_the_unit_of_work_changes_the_library() -> None:
    offenders = []
    for path in _sources("readinglist", "ui"):
        rel = str(path.relative_to(ROOT))
        if "/migrations/" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        for what, (pattern, allowed) in RULES.items():
            if rel in allowed:
                continue
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                offenders.append(f"{rel}:{line} {what}: {m.group(0)}")
    assert offenders == []


def test_the_rules_would_catch_a_regression(tmp_path: Path) -> None:
    """The patterns above match what they are meant to (a check that cannot fail is no check)."""
    samples = {
        "opens a session": "with lib.session() as s:",
        "writes the search index": "fts.refresh_papers(s, ids)",
        "writes a full-text table in SQL": 's.execute(text("DELETE FROM papers_fts WHERE rowid = 1"))',
        "notifies listeners": "lib._notify(Changes())",
    }
    for what, sample in samples.items():
        assert RULES[what][0].search(sample), what


def test_sort_keys_are_the_query_layers() -> None:
    from readinglist.db.queries import SORTS
    from readinglist.records import SORT_KEYS

    assert set(SORTS) == set(SORT_KEYS)


def test_importing_the_core_and_cli_leaves_qt_unloaded() -> None:
    code = (
        "import sys, readinglist, readinglist.cli.main, readinglist.services.library, "
        "readinglist.services.sync, readinglist.services.check\n"
        "readinglist.cli.main.build_parser()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui')]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_qt_is_an_extra_not_a_dependency_of_the_core() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("pyside6")]
    assert any(d.lower().startswith("pyside6") for d in project["optional-dependencies"]["gui"])
    assert "AGPL" in project["license"]["text"]  # PyMuPDF is AGPL-3.0


def test_gui_without_qt_says_how_to_get_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None\n"  # as if PySide6 were not installed
        "from readinglist.cli.main import main\n"
        f"sys.exit(main(['--library', {str(tmp_path)!r}, 'gui']))"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 1, res.stderr
    assert "pip install 'readinglist[gui]'" in res.stderr and "Traceback" not in res.stderr


def _loaded_after(argv: list[str], tmp: Path) -> set[str]:
    code = (
        "import sys\n"
        "from readinglist.cli.main import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'alembic', 'requests', 'fitz', 'pymupdf', 'PySide6')\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy})), file=sys.stderr)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={
        **os.environ, "READINGLIST_HOME": str(tmp)})  # fmt: skip
    assert res.returncode == 0, res.stderr
    return set(res.stderr.splitlines()[-1].split()) if res.stderr.strip() else set()


def test_commands_that_only_read_start_without_sqlalchemy_or_requests(tmp_path: Path) -> None:
    from readinglist.cli.main import main

    bib = tmp_path / "one.bib"  # a current library (opening it needs no migration) with a paper
    bib.write_text(
        "@article{vaswani2017attention,\n  title = {Attention Is All You Need},\n  author = {Vaswani, Ashish},\n"
        "  year = {2017},\n  eprint = {2405.20204},\n  archiveprefix = {arXiv},\n}\n",
        encoding="utf-8",
    )
    assert main(["--library", str(tmp_path), "import", str(bib)]) == 0
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc" / "paper.tex").write_text("\\cite{vaswani2017attention,vaswani2017atention}\n")
    assert _loaded_after(["--version"], tmp_path) == set()
    assert _loaded_after(["--help"], tmp_path) == set()
    out = str(tmp_path / "out.bib")
    reads = (["list", "--limit", "1"], ["search", "word"], ["list", "--tag", "t"], ["export", "-o", out],
             ["show", "2405.20204"], ["show", "vaswani2017attention"], ["show", "#1"], ["history"], ["cite", "#1"],
             ["autoexport", "list"], ["cited-in", str(tmp_path / "doc")])  # fmt: skip
    for argv in reads:  # a paper looked up by arXiv id or key parses the id without the HTTP stack
        assert _loaded_after(["--library", str(tmp_path), *argv], tmp_path) == set(), argv
    # A change still loads the ORM (the check can fail: it sees the modules that came in).
    assert "sqlalchemy" in _loaded_after(["--library", str(tmp_path), "undo"], tmp_path)


# What a read command does not need, so it must not load (issue 16: start-up is mostly imports).
# platformdirs: only without --library; hashlib: OpenSSL, 2 ms; the writer and its TeX tables:
# an export of kept entries only concatenates; the reader's bibtexparser; the other formats;
# records_more, the dataclasses only changes, syncs, the PDF layer and the GUI need, and the
# dataclasses module itself with the inspect it loads (the read path's records are recordtype's).
NOT_FOR_READS = (
    "platformdirs", "hashlib", "_hashlib", "bibtexparser", "readinglist.bibtex.writer", "readinglist.records_more",
    "dataclasses", "inspect",
    "readinglist.bibtex.latex", "readinglist.bibtex.citekeys", "readinglist.bibtex.reader",
    "readinglist.bibtex.source", "readinglist.formats.csl", "readinglist.formats.ris",
    "readinglist.formats.biblatex", "readinglist.services.unit", "readinglist.db.schema",
)  # fmt: skip
# What a command that only prints (or writes a file of kept entries) does not load either:
# logging is configured when something loads it; shutil (with its compressors) and tempfile
# copy and make files (an export makes its temporary file itself); getpass finds the member's
# name, which only a change needs.
NOT_FOR_LOOKUPS = ("logging", "shutil", "bz2", "lzma", "tempfile", "getpass")


def _modules_after(argv: list[str], home: Path) -> set[str]:
    code = (
        "import sys\n"
        "from readinglist.cli.main import main\n"
        f"main({argv!r})\n"
        "print(' '.join(sys.modules), file=sys.stderr)"  # stand-ins of readinglist.lazy are not in it
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={
        **os.environ, "READINGLIST_HOME": str(home)})  # fmt: skip
    assert res.returncode == 0, res.stderr
    return set(res.stderr.splitlines()[-1].split())


def test_read_commands_load_only_what_they_need(tmp_path: Path) -> None:
    from readinglist.services import citations
    from readinglist.services.library import Library

    lib = Library.open(tmp_path / "lib")
    citations.import_bib(lib, ROOT / "tests" / "fixtures" / "bib" / "arxiv.bib")
    lib.close()
    out = str(tmp_path / "out.bib")
    first = _modules_after(["--library", str(tmp_path / "lib"), "export", "-o", out], tmp_path)
    assert "readinglist.bibtex.writer" in first  # the check can fail: a cold export renders
    for argv in (["show", "#1"], ["search", "word"], ["list", "--tag", "t"], ["export", "-o", out]):
        loaded = _modules_after(["--library", str(tmp_path / "lib"), *argv], tmp_path)
        banned = set(NOT_FOR_READS) | set(NOT_FOR_LOOKUPS)
        assert not loaded & banned, (argv, sorted(loaded & banned))


def test_records_re_exports_the_records_kept_apart() -> None:
    import readinglist.records as records
    import readinglist.records_more as more

    for name in records._MORE:
        assert getattr(records, name) is getattr(more, name), name
        assert getattr(more, name).__module__ == "readinglist.records_more", name
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        records.Nope  # noqa: B018


def test_logging_loaded_after_the_command_starts_is_configured_as_before() -> None:
    code = (
        "import sys\n"
        "from readinglist.cli import main\n"
        "main._configure_logging(False)\n"
        "assert 'logging' not in sys.modules\n"
        "import logging\n"
        "logging.getLogger('readinglist.x').info('hidden')\n"
        "logging.getLogger('readinglist.x').warning('shown %s', 1)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "WARNING: shown 1\n"


def test_command_owners_name_the_module_that_registers_each_command() -> None:
    import argparse
    import importlib

    from readinglist.cli.main import COMMAND_MODULES, COMMAND_OWNERS

    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"readinglist.cli.{module}").register(sub)
        for command in sub.choices:
            assert COMMAND_OWNERS.get(command, module) == module, command
    assert set(COMMAND_OWNERS.values()) <= set(COMMAND_MODULES)


def test_paper_row_fields_not_in_the_schema_are_the_derived_ones() -> None:
    from readinglist.db.paperfields import DERIVED_FIELDS
    from readinglist.db.schema import Paper
    from readinglist.records import PaperRow
    from readinglist.recordtype import fields

    names = {f.name for f in fields(PaperRow)}
    assert names - set(Paper.__table__.c.keys()) == DERIVED_FIELDS


def test_the_cli_repeats_the_discovery_choices_exactly() -> None:
    from readinglist.cli import discovery as cli
    from readinglist.services import digest, discovery

    assert cli.SOURCES == discovery.SOURCES
    assert cli.DIGEST_FORMATS == digest.FORMATS


def test_the_command_exits_without_tearing_down_what_dies_with_it(tmp_path: Path) -> None:
    """``readinglist`` and ``python -m readinglist`` end through ``cli.main.run``, which freezes
    the collector before the exit (5-6 ms of every command); the output is still whole and the
    atexit handlers still run."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["readinglist"] == "readinglist.cli.main:run"
    code = (
        "import atexit, gc, runpy, sys\n"
        "atexit.register(lambda: print('frozen' if gc.get_freeze_count() else 'not frozen', file=sys.stderr))\n"
        f"sys.argv = ['readinglist', '--library', {str(tmp_path)!r}, 'list', '--format', 'json']\n"
        "runpy.run_module('readinglist', run_name='__main__')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [] and res.stderr.splitlines()[-1] == "frozen"
