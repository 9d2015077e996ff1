"""The stand-ins of ``readinglist.lazy``: first use imports, every thread sees the whole module."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from readinglist import lazy
from readinglist.lazy import lazy_module, load_deferred

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def slow_module(tmp_path: Path) -> Iterator[str]:
    """A module that takes 0.3 s to run, defining its names only at the end."""
    name = f"rl_slow_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        "import time\nFIRST = 1\ntime.sleep(0.3)\nLAST = 2\ndef twice(x):\n    return 2 * x\n"
    )
    sys.path.insert(0, str(tmp_path))
    yield name
    sys.path.remove(str(tmp_path))
    sys.modules.pop(name, None)
    lazy._stood_for.discard(name)


def test_a_stand_in_imports_on_first_use_and_forwards_reads_and_writes(slow_module: str) -> None:
    mod = lazy_module(slow_module)
    assert slow_module not in sys.modules
    assert mod.twice(4) == 8
    assert slow_module in sys.modules
    real = sys.modules[slow_module]
    mod.LAST = 5  # what monkeypatching does: the module itself changes
    assert real.LAST == 5
    del mod.LAST
    assert not hasattr(real, "LAST")
    assert lazy_module(slow_module) is real  # once imported, the module itself


def test_threads_that_are_first_together_all_see_the_whole_module(slow_module: str) -> None:
    mod = lazy_module(slow_module)
    seen: list[object] = []
    errors: list[BaseException] = []
    go = threading.Barrier(4)

    def read() -> None:
        go.wait()
        try:
            seen.append(mod.LAST)  # defined after the module's 0.3 s sleep
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and seen == [2, 2, 2, 2]


def test_load_deferred_imports_what_the_stand_ins_stand_for(slow_module: str) -> None:
    lazy_module(slow_module)
    assert slow_module in load_deferred()
    assert slow_module in sys.modules
    assert slow_module not in load_deferred()  # imported already: nothing to do


def test_every_name_the_project_defers_is_a_module() -> None:
    """``lazy_module`` does not look its name up (that costs a read command milliseconds), so a
    misspelt name would only fail at first use: every literal in the source is imported here."""
    names = {
        m
        for d in ("readinglist", "ui")
        for f in (ROOT / d).rglob("*.py")
        for m in re.findall(r"lazy_module\(\"([\w.]+)\"\)", f.read_text(encoding="utf-8"))
    }
    assert len(names) >= 14, names  # the CLI's and the window's
    import importlib

    for name in sorted(names):
        importlib.import_module(name)
