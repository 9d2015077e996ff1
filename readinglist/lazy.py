"""Modules loaded on first use, so that a command or the window's start pays only for what it
runs.

``lazy_module(name)`` returns a stand-in that imports the module on its first attribute read
and forwards every read and write to it. It never turns into the module (Python 3.11's
``importlib.util.LazyLoader`` does, by swapping the object's class while it runs the module,
and a second thread reading an attribute meanwhile sees a half-run module). The stand-in asks
``importlib.import_module`` each time, which returns the module from ``sys.modules`` once it
is there and otherwise waits on the import system's lock for that module: the GUI thread and
a worker may both be first.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

_stood_for: set[str] = set()  # every module a stand-in was made for


class _LazyModule(ModuleType):
    """Stands for the module ``__name__`` until something reads from it."""

    def __getattr__(self, attr: str) -> object:  # only for what the stand-in lacks: all of it
        return getattr(importlib.import_module(self.__name__), attr)

    def __setattr__(self, attr: str, value: object) -> None:  # monkeypatching patches the module
        setattr(importlib.import_module(self.__name__), attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(importlib.import_module(self.__name__), attr)

    def __dir__(self) -> list[str]:
        return dir(importlib.import_module(self.__name__))


def lazy_module(name: str) -> ModuleType:
    """``name`` if it is imported already, else a stand-in that imports it on first use (see
    the module's docstring). The name is not looked up before that (``importlib.util`` alone
    costs a read command a few milliseconds); tests/test_architecture.py imports every name
    the project passes here."""
    if name in sys.modules:
        return sys.modules[name]
    _stood_for.add(name)
    return _LazyModule(name)


def load_deferred() -> list[str]:
    """Import every module a stand-in stands for (a long-running process calls this on a worker
    once it has started, so that no later first use imports on its main thread); the names
    that were not imported yet, in import order."""
    loaded = []
    for name in sorted(_stood_for):
        if name not in sys.modules:
            importlib.import_module(name)
            loaded.append(name)
    return loaded
