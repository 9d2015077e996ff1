"""``export``, ``autoexport`` and ``rekey``: references out (BibTeX, BibLaTeX, CSL-JSON, RIS), kept
in sync, exactly what a document cites, and keys changed on request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.cli.output import emit_json, message
from readinglist.cli.papers import add_format
from readinglist.errors import ReadingListError
from readinglist.lazy import lazy_module
from readinglist.records import PaperFilter
from readinglist.services import exporting
from readinglist.services.library import Library
from readinglist.textutil import plural

if TYPE_CHECKING:  # loaded when a command runs
    from readinglist.services import citations
else:
    citations = lazy_module("readinglist.services.citations")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from readinglist.formats import FORMATS

    p = sub.add_parser("export", help="BibTeX, BibLaTeX, CSL-JSON or RIS to a file or stdout")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--tag")
    p.add_argument("--list", dest="list_name", metavar="NAME")
    p.add_argument("--saved", action="store_true", help="the whole saved library (the default with no ids)")
    p.add_argument("--format", choices=FORMATS, default=None, help="default: from the -o suffix, else bibtex")
    doc = p.add_mutually_exclusive_group()
    doc.add_argument(
        "--aux", type=Path, metavar="FILE", help="exactly the keys a LaTeX run cited (paper.aux)"
    )
    doc.add_argument(
        "--tex", type=Path, metavar="FILE", help="the keys cited in main.tex and its \\input files"
    )
    doc.add_argument(
        "--md", type=Path, metavar="FILE", help="the keys cited in pandoc Markdown ([@key], @key)"
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_export, readonly=True)

    p = sub.add_parser("autoexport", help="keep .bib files in sync with a tag, a list or the library")
    asub = p.add_subparsers(dest="action", metavar="ACTION")
    asub.required = True
    a = asub.add_parser("add", help="register a .bib file")
    a.add_argument("file", type=Path)
    g = a.add_mutually_exclusive_group()
    g.add_argument("--tag")
    g.add_argument("--list", dest="list_name", metavar="NAME")
    a.add_argument(
        "--format", choices=FORMATS, default=None, help="default: from the suffix (.bib, .json, .ris)"
    )
    a.set_defaults(func=cmd_autoexport_add)
    a = asub.add_parser("list", help="the registered files")
    add_format(a)
    a.set_defaults(func=cmd_autoexport_list, readonly=True)
    a = asub.add_parser("remove", help="stop keeping a file in sync (the file itself is left alone)")
    a.add_argument("file", type=Path)
    a.set_defaults(func=cmd_autoexport_remove)

    p = sub.add_parser("rekey", help="change a citation key (only ever on request)")
    p.add_argument("id", metavar="ID")
    p.add_argument("newkey", nargs="?", help="the new key (default: the key pattern's)")
    p.set_defaults(func=cmd_rekey)


def _export_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output and args.output.suffix.lower() in (".json", ".ris"):
        return exporting.format_for_path(args.output, None)
    return "bibtex"


def _cited_ids(lib: Library, args: argparse.Namespace) -> list[int]:
    from readinglist.services.cited import cited_papers, describe_missing, read_cited

    found = cited_papers(lib, read_cited(args.aux, args.tex, args.md))
    message(
        f"{plural(len(found.ids), 'cited entry', 'cited entries')} from {plural(len(found.files), 'file')}"
    )
    for m in found.missing:
        message("missing: " + describe_missing(m))
    for p in found.problems:
        message("warning: " + p)
    return list(found.ids)


def cmd_export(lib: Library, args: argparse.Namespace) -> int:
    fmt = _export_format(args)
    chosen: list[int] | PaperFilter
    if args.aux or args.tex or args.md:
        if args.ids or args.tag or args.list_name or args.saved:
            raise ReadingListError(
                "--aux/--tex/--md export what the document cites; drop ids, --tag, --list, --saved"
            )
        chosen = _cited_ids(lib, args)
    else:
        ids = lib.resolve_many(args.ids)
        saved = args.saved or not (ids or args.tag or args.list_name)
        chosen = ids or exporting.scope_filter(lib, tag=args.tag, list_name=args.list_name, saved=saved)
    keys = exporting.citable(lib, chosen)
    if args.output:
        changed = exporting.write_export(lib, chosen, args.output, fmt, keys=keys)
        message(f"{len(keys)} entries {'written to' if changed else 'unchanged in'} {args.output}")
    else:
        out = sys.stdout
        out.flush()
        binary = getattr(out, "buffer", None)  # None when stdout was replaced by a text stream
        for chunk in exporting.export_chunks(lib, chosen, fmt, keys=keys):
            if binary is not None:
                binary.write(chunk)
            else:
                out.write(chunk.decode("utf-8"))
    return 0


def cmd_autoexport_add(lib: Library, args: argparse.Namespace) -> int:
    scope = "tag" if args.tag else "list" if args.list_name else "saved"
    info = citations.add_autoexport(lib, args.file, scope, args.tag or args.list_name, args.format)
    message(f"{info.path} now follows {scope}{' ' + repr(info.value) if info.value else ''} as {info.format}")
    return 0


def cmd_autoexport_list(lib: Library, args: argparse.Namespace) -> int:
    items = exporting.autoexports(lib)
    if args.format == "json":
        emit_json([a.__dict__ for a in items])
    elif not items:
        message("no auto-exported files")
    for a in items if args.format == "table" else ():
        what = a.scope + (f" {a.value}" if a.value else "") + f" ({a.format})"
        print(
            f"{a.path}\t{what}\t{a.last_written or 'never written'}"
            + (f"\terror: {a.last_error}" if a.last_error else "")
        )
    return 0


def cmd_autoexport_remove(lib: Library, args: argparse.Namespace) -> int:
    citations.remove_autoexport(lib, args.file)
    message(f"{args.file} is no longer kept in sync (the file is left as it is)")
    return 0


def cmd_rekey(lib: Library, args: argparse.Namespace) -> int:
    pid = lib.resolve(args.id)
    old = lib.get(pid).citekey
    key = citations.rekey(lib, pid, args.newkey)
    message(f"{old} -> {key}")
    return 0
