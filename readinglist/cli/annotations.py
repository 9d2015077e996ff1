"""Commands on annotations: ``annotations ID`` (Markdown or JSON) and ``export-pdf ID -o FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from readinglist.cli.output import emit_json, message
from readinglist.services.library import Library
from readinglist.textutil import plural


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("annotations", help="a paper's annotations as Markdown or JSON")
    p.add_argument("id", metavar="ID", help="arXiv id, URL or citation key")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown", help="output format")
    p.set_defaults(func=cmd_annotations)

    p = sub.add_parser("export-pdf", help="a copy of the PDF with the annotations written in")
    p.add_argument("id", metavar="ID", help="arXiv id, URL or citation key")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="where to write the copy")
    p.set_defaults(func=cmd_export_pdf)


def cmd_annotations(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.annotations_md import annotations_json
    from readinglist.services.annotations import annotations_markdown_for, list_annotations

    pid = lib.resolve(args.id)
    if args.format == "json":
        emit_json(annotations_json(list_annotations(lib, pid)))
    else:
        sys.stdout.write(annotations_markdown_for(lib, pid))
    return 0


def cmd_export_pdf(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.annotations import export_annotated_pdf

    pid = lib.resolve(args.id)
    n = export_annotated_pdf(lib, pid, args.output)
    message(f"wrote {args.output} with {plural(n, 'annotation')}")
    return 0
