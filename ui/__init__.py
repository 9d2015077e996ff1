"""The PySide6 desktop app. It imports ``readinglist``; the core never imports it.

Importing this package first checks for a reference-counting bug of PySide6-Essentials 6.12.0
on Python 3.11: there, every Python call of a void Qt method drops a reference to ``None``
and every ``Signal.emit`` one to ``True``, so a long session (or one busy repaint loop) ends
in "Fatal Python error: none_dealloc". 6.11.x does not have it, and Python 3.12 makes these
objects immortal. When the probe sees the bug, the three singletons get a reserve of
references they can never run through, as 3.12 does by design.
"""

from __future__ import annotations

import sys


def _guard_singleton_refcounts() -> bool:
    """Detect the PySide6 6.12 refcount bug; if present, make None/True/False effectively immortal."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    import ctypes

    try:
        from PySide6.QtCore import QObject, Signal
    except ImportError:  # a system library is missing: ui.preflight says which, before Qt starts
        return False

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    none0, true0 = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(8):
        probe.setObjectName("probe")
        probe.ping.emit()
    leaked = sys.getrefcount(None) < none0 or sys.getrefcount(True) < true0
    if leaked:
        for obj in (None, True, False):
            ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    return leaked


PYSIDE_REFCOUNT_BUG = _guard_singleton_refcounts()
