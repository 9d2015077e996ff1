"""Parse PDFs in a child process, so a crash or hang inside MuPDF fails one job, never the caller.

A small pool of long-lived servers (``python -m readinglist.pdf.worker --serve``) each start once
(about 130 ms: Python plus the PyMuPDF import) and then fork a fresh child per job (about 4 ms).
Every job runs in a copy of a process that has never parsed a PDF, so a hostile file cannot
poison later jobs; the server kills a job that overruns its timeout and reports a crash.
multiprocessing's "spawn" was not used: it pays the full start per job and re-imports the
caller's ``__main__`` (the GUI script, hence Qt) in each child. POSIX only (fork, select on pipes).

Test-only hooks, read in the caller at call time: ``READINGLIST_TEST_WORKER_CRASH=1`` makes the
job's child ``abort()``; ``READINGLIST_TEST_WORKER_SLEEP=SECONDS`` makes it sleep first.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import math
import os
import resource
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from readinglist.errors import PdfError
from readinglist.pdf.document import TEXT_FLAGS, PdfText, page_text, read_pdf_text, verify_pdf
from readinglist.records import AnnotationRecord

CRASH_HOOK = "READINGLIST_TEST_WORKER_CRASH"
SLEEP_HOOK = "READINGLIST_TEST_WORKER_SLEEP"
MAX_SERVERS = 4  # three downloads verifying plus one extraction for the GUI
GRACE = 5.0  # the server enforces a job's timeout; the caller kills the server only this much later
IDLE_EXIT = 300.0  # a server quits after this long without a request ...
IDLE_REUSE = 240.0  # ... so the caller retires idle servers before that can race with a request
JOB_ADDRESS_SPACE = 4 << 30  # bytes of virtual memory a job may map (Python + MuPDF use ~0.5 GB)
SIGNALS = frozenset(int(s) for s in signal.Signals)
_READ_SIZE = 1 << 20


class _ServerDied(Exception):
    """The server closed its pipe before answering."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int, deadline: float, until_newline: bool) -> bytes | None:
    """Read from a pipe until EOF (or a newline); None when the deadline passes first."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if not sel.select(remaining):
                continue
            data = os.read(fd, _READ_SIZE)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
            if until_newline and data.endswith(b"\n"):
                return b"".join(chunks)


# --- caller side -----------------------------------------------------------------------------


class _Server:
    """One server process; used by one thread at a time (the pool hands it out)."""

    def __init__(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # works from a source checkout too
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            # -P: no current directory on sys.path, so a stray ./readinglist cannot shadow ours
            [sys.executable, "-P", "-m", "readinglist.pdf.worker", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
            env=env,
            start_new_session=True,  # own process group: kill() takes the job's child too
        )
        self.last_used = time.monotonic()

    def call(self, request: dict[str, Any], deadline: float) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            _write_all(self.proc.stdin.fileno(), json.dumps(request).encode() + b"\n")
        except OSError as exc:
            raise _ServerDied() from exc
        line = _read(self.proc.stdout.fileno(), deadline, until_newline=True)
        if line is None:
            raise TimeoutError()
        if not line.endswith(b"\n"):
            raise _ServerDied()
        reply: dict[str, Any] = json.loads(line)
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._reap()

    def close(self) -> None:
        """Closing stdin makes the server exit between jobs."""
        self._reap(grace=1.0)

    def _reap(self, grace: float = 0.0) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        try:
            self.proc.wait(timeout=grace or None)
        except subprocess.TimeoutExpired:
            self.kill()


class _Pool:
    """At most ``size`` servers, started on demand and reused."""

    def __init__(self, size: int = MAX_SERVERS) -> None:
        self.size = size
        self.pid = os.getpid()
        self._idle: list[_Server] = []
        self._busy = 0
        self._cond = threading.Condition()

    def acquire(self) -> _Server:
        stale: list[_Server] = []
        try:
            with self._cond:
                while True:
                    now = time.monotonic()
                    fresh = [s for s in self._idle if s.alive() and now - s.last_used < IDLE_REUSE]
                    stale += [s for s in self._idle if s not in fresh]
                    self._idle = fresh
                    self._busy += 1
                    if self._idle:
                        return self._idle.pop()
                    if self._busy <= self.size:
                        break
                    self._busy -= 1
                    self._cond.wait()
        finally:
            for server in stale:
                server.close()
        try:
            return _Server()
        except BaseException:
            self.release(None)
            raise

    def release(self, server: _Server | None) -> None:
        with self._cond:
            self._busy -= 1
            if server is not None and server.alive():
                server.last_used = time.monotonic()
                self._idle.append(server)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
        for server in idle:
            server.close()


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _get_pool() -> _Pool:
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():  # a forked caller must not share pipes
            _pool = _Pool()
        return _pool


@atexit.register
def shutdown_servers() -> None:
    """Stop the idle servers now (they also quit on their own when the caller exits)."""
    if _pool is not None and _pool.pid == os.getpid():
        _pool.close()


def _run(op: str, path: Path, timeout: float, max_pages: int | None = None) -> dict[str, Any]:
    path = Path(path).absolute()
    request: dict[str, Any] = {"op": op, "path": str(path), "timeout": timeout, "max_pages": max_pages}
    if os.environ.get(CRASH_HOOK):
        request["crash"] = True
    if os.environ.get(SLEEP_HOOK):
        request["sleep"] = float(os.environ[SLEEP_HOOK])
    pool = _get_pool()
    server = pool.acquire()
    healthy = False
    try:
        reply = server.call(request, time.monotonic() + timeout + GRACE)
        healthy = True
    except TimeoutError:
        server.kill()
        reply = {"ok": False, "kind": "timeout"}
    except (_ServerDied, OSError, ValueError):
        server.kill()
        reply = {"ok": False, "kind": "crash", "detail": "the reader process died"}
    except BaseException:  # e.g. KeyboardInterrupt while waiting: the answer would never be read
        server.kill()
        raise
    finally:
        pool.release(server if healthy else None)
    if reply.get("ok"):
        return reply
    kind, name = reply.get("kind"), path.name
    if kind == "pdf":
        raise PdfError(str(reply.get("error")))
    if kind == "timeout":
        raise PdfError(f"{name}: reading the PDF took longer than {timeout:g} s and was stopped")
    if kind == "crash":
        raise PdfError(
            f"{name}: the PDF reader crashed on this file ({reply.get('detail')}); "
            "the file may be damaged. Nothing else was affected."
        )
    raise PdfError(f"{name}: the PDF reader failed: {reply.get('error')}")


def extract_text(path: Path, *, timeout: float = 120.0, max_pages: int | None = None) -> PdfText:
    """:func:`read_pdf_text` in a child process; crash or timeout raise PdfError."""
    reply = _run("text", path, timeout, max_pages)
    return PdfText(
        page_count=int(reply["page_count"]),
        pages=tuple(reply["pages"]),
        metadata=dict(reply["metadata"]),
        has_text=bool(reply["has_text"]),
        title_guess=reply.get("title_guess"),
    )


def verify_pdf_isolated(path: Path, *, timeout: float = 60.0) -> int:
    """:func:`verify_pdf` in a child process: the page count, or PdfError."""
    return int(_run("verify", path, timeout)["page_count"])


def read_annotations_isolated(path: Path, *, timeout: float = 60.0) -> list[AnnotationRecord]:
    """The annotations other viewers left in a PDF, read in a child process (a file that crashes
    MuPDF fails this call with PdfError, never the caller)."""
    return [_annotation(a) for a in _run("annotations", path, timeout)["annotations"]]


def _annotation(d: dict[str, Any]) -> AnnotationRecord:
    def when(v: object) -> dt.datetime | None:
        return dt.datetime.fromisoformat(str(v)) if v else None

    return AnnotationRecord(
        id=None,
        page=int(d["page"]),
        kind=str(d["kind"]),
        color=str(d["color"]),
        rects=tuple(tuple(float(x) for x in r) for r in d["rects"]),  # type: ignore[misc]
        ink=tuple(tuple((float(x), float(y)) for x, y in stroke) for stroke in d["ink"]),
        text=str(d["text"]),
        comment=str(d["comment"]),
        created=when(d.get("created")),
        modified=when(d.get("modified")),
        fingerprint=d.get("fingerprint"),
    )


# --- server side -----------------------------------------------------------------------------


def _job(request: dict[str, Any]) -> dict[str, Any]:
    if request.get("crash"):
        os.abort()
    if request.get("sleep"):
        time.sleep(float(request["sleep"]))
    path = Path(request["path"])
    try:
        if request["op"] == "verify":
            return {"ok": True, "page_count": verify_pdf(path)}
        if request["op"] == "annotations":
            from readinglist.pdf.annotations import read_annotations

            found = read_annotations(path)
            return {"ok": True, "annotations": [asdict(a) for a in found]}
        return {"ok": True, **asdict(read_pdf_text(path, max_pages=request.get("max_pages")))}
    except PdfError as exc:
        return {"ok": False, "kind": "pdf", "error": exc.message}


def _json_default(v: object) -> str:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    raise TypeError(f"cannot send {type(v).__name__} from the PDF worker")


def _forked_job(request: dict[str, Any]) -> bytes:
    """Run one job in a forked child; return the reply line (without newline)."""
    timeout = float(request.get("timeout") or 60.0)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the job's child: answer through the pipe, never return into the server loop
        status = 0
        try:
            os.close(r)
            signal.alarm(math.ceil(timeout) + 30)  # dies on its own should the server vanish
            _limit_memory()
            try:
                out = json.dumps(_job(request), default=_json_default).encode()
            except Exception as exc:
                out = json.dumps(
                    {"ok": False, "kind": "error", "error": f"{type(exc).__name__}: {exc}"}
                ).encode()
            _write_all(w, out)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(w)
    try:
        data = _read(r, time.monotonic() + timeout, until_newline=False)
        if data is None:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    if data is None:
        return json.dumps({"ok": False, "kind": "timeout"}).encode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not data:
        detail = f"signal {signal.Signals(-code).name}" if -code in SIGNALS else f"exit status {code}"
        return json.dumps({"ok": False, "kind": "crash", "detail": detail}).encode()
    return data


def _limit_memory() -> None:
    """Cap the job's address space, so a decompression bomb fails the job, not the desktop."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = JOB_ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(hard, JOB_ADDRESS_SPACE)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _warm_up() -> None:
    """Run MuPDF's lazy set-up (fonts, tables) once here instead of in every job's child."""
    import pymupdf

    with pymupdf.open() as doc:
        doc.new_page().insert_text((72, 72), "warm up", fontname="tiro")
        data = doc.tobytes()
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        page = doc.load_page(0)
        page_text(page)
        page.get_text("dict", flags=TEXT_FLAGS)


def _serve() -> None:
    """Answer one JSON request per line on stdin with one JSON line on stdout, until EOF."""
    import gc

    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    _warm_up()
    gc.freeze()  # the collector then leaves inherited objects alone: fewer copy-on-write faults per job
    # Keep the protocol on private fds; stray prints (PyMuPDF's messages go to stdout) land in /dev/null.
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    buffer = b""
    while True:
        while b"\n" not in buffer:
            data = _read(proto_in, time.monotonic() + IDLE_EXIT, until_newline=True)
            if not data:  # EOF (the caller is gone) or idle too long
                return
            buffer += data
        line, buffer = buffer.split(b"\n", 1)
        _write_all(proto_out, _forked_job(json.loads(line)) + b"\n")


def main(argv: list[str]) -> int:
    """``--serve`` runs the server; ``[--verify] PATH`` runs one job and prints its JSON reply."""
    if argv == ["--serve"]:
        _serve()
        return 0
    verify = "--verify" in argv
    paths = [a for a in argv if a != "--verify"]
    if len(paths) != 1:
        print("usage: python -m readinglist.pdf.worker [--verify] PATH | --serve", file=sys.stderr)
        return 2
    print(json.dumps(_job({"op": "verify" if verify else "text", "path": paths[0]})))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
