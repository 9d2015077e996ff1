"""``serve``, ``cite``, ``cited-in`` and ``import-zotero``: readinglist where Zotero used to be."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from readinglist.cli.output import ProgressBar, emit_json, message
from readinglist.cli.papers import add_format
from readinglist.services.library import Library


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from readinglist.formats.cite import STYLES
    from readinglist.serve.server import DEFAULT_PORT

    p = sub.add_parser("serve", help="Better-BibTeX-compatible endpoints on 127.0.0.1 for editor plugins")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"default {DEFAULT_PORT}; 23119 (Zotero's) for plugins with a fixed port, while Zotero is closed")  # fmt: skip
    p.set_defaults(func=cmd_serve, readonly=True)

    p = sub.add_parser("cite", help="formatted references (APA, IEEE, ACM) of papers")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--style", choices=sorted(STYLES), default="apa")
    p.set_defaults(func=cmd_cite, readonly=True)

    p = sub.add_parser("cited-in", help="which LaTeX and Markdown files under DIR cite each key")
    p.add_argument("folder", type=Path, metavar="DIR")
    add_format(p)
    p.set_defaults(func=cmd_cited_in, readonly=True)

    p = sub.add_parser("import-zotero", help="import a Zotero data folder: items, collections, notes, PDFs")
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help="the Zotero data folder or its zotero.sqlite (default: found)",
    )
    p.add_argument("--linked", choices=("copy", "skip"), default="copy",
                   help="linked files (outside Zotero's storage): copy them in (default) or leave them")  # fmt: skip
    p.add_argument("--base-dir", type=Path, metavar="DIR",
                   help="Zotero's linked-attachment base folder (default: the one Zotero's profile names)")  # fmt: skip
    add_format(p)
    p.set_defaults(func=cmd_import_zotero)


def cmd_serve(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.serve.server import CitationServer
    from readinglist.serve.terminal import terminal_picker

    picker = terminal_picker(lib) if sys.stdin.isatty() else None
    server = CitationServer(lib, args.port, picker=picker)
    message(f"serving {lib.root} on {server.url}/better-bibtex/ (Ctrl+C stops)")
    if picker is None:
        message("stdin is not a terminal: citation picks (cayw) need the app; pull export works")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        message("stopped")
    finally:
        server.httpd.server_close()
    return 0


def cmd_cite(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.exporting import formatted_citation

    sys.stdout.write(formatted_citation(lib, lib.resolve_many(args.ids), args.style))
    return 0


def cmd_cited_in(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.formats.cited import cited_in
    from readinglist.services.cited import describe_missing, resolve_keys

    found = cited_in(args.folder)
    _ids, missing = resolve_keys(lib, list(found))
    lacking = {m.key: m for m in missing}
    root = args.folder.resolve()

    def rel(p: Path) -> str:
        return str(p.resolve().relative_to(root))

    if args.format == "json":
        emit_json([
            {"key": k, "in_library": k not in lacking,
             "suggestion": lacking[k].suggestion if k in lacking else None,
             "files": [{"file": rel(f), "line": n} for f, n in places]}
            for k, places in sorted(found.items(), key=lambda kv: kv[0].casefold())
        ])  # fmt: skip
        return 0
    if not found:
        message(f"no citations under {args.folder}")
    for key, places in sorted(found.items(), key=lambda kv: kv[0].casefold()):
        files = ", ".join(dict.fromkeys(f"{rel(f)}:{n}" for f, n in places))
        print(f"{key}\t{files}")
    for m in missing:
        message("missing: " + describe_missing(m))
    return 0


def cmd_import_zotero(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.zotero_import import import_zotero
    from readinglist.zotero.locate import find_data_dir

    source = args.path or find_data_dir()
    report = import_zotero(lib, source, copy_linked=args.linked == "copy", base_dir=args.base_dir,
                           progress=ProgressBar("zotero"))  # fmt: skip
    if args.format == "json":
        emit_json(report.to_json())
    else:
        for line in report.summary_lines():
            message(line)
    return 0
