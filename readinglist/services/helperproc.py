"""Second processes that take part of a long job on the other core (the export's and the
import's helpers): how one is started, fed and stopped, the same way for both.

A helper is a fresh interpreter running a module's ``main()`` from this very code, whatever
the working folder, never a fork (the caller may hold SQLite connections, and the GUI has
threads). There is none when no interpreter can be started: an embedded one, or a bundled
app's, which runs no ``-c``.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)
_ROOT = str(Path(__file__).resolve().parents[2])


def start(module: str, args: Sequence[str] = ()) -> subprocess.Popen[bytes] | None:
    """``module``'s ``main()`` in a new interpreter, its stdin and stdout piped (stderr dropped),
    or None when it cannot start."""
    if not sys.executable or getattr(sys, "frozen", False):
        return None
    code = f"import sys; sys.path.insert(0, {_ROOT!r}); from {module} import main; main()"
    try:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError) as exc:
        log.info("%s did not start: %s", module, exc)
        return None


def feed(proc: subprocess.Popen[bytes], *parts: bytes, name: str) -> None:
    """Write ``parts`` to the helper's stdin, then close it, on a thread of its own (a pipe holds
    64 KiB: the helper reads while the caller goes on). A helper that died stops the writing;
    whoever reads its stdout sees it."""

    def write() -> None:
        stdin = proc.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):
            try:
                for part in parts:
                    stdin.write(part)
            finally:
                stdin.close()

    threading.Thread(target=write, name=name, daemon=True).start()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the helper if it still runs (the job may be cancelled mid-way) and wait for it."""
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        proc.wait(timeout=5)
