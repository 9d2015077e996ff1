"""Commands on papers: add, list, trending, search, show, save, dismiss (papers or a topic), tag,
status, note."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from readinglist.cli.output import emit_json, message, paper_detail, paper_table
from readinglist.lazy import lazy_module
from readinglist.records import PaperFilter
from readinglist.services.library import STATUSES, Library
from readinglist.textutil import plural

if TYPE_CHECKING:  # loaded when a command runs
    from readinglist.services import papers
    from readinglist.services.trending import Window
else:
    papers = lazy_module("readinglist.services.papers")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-05-31") from None


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text} is below 1")
    return n


def add_format(p: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json")) -> None:
    p.add_argument("--format", choices=choices, default=choices[0], help="output format")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("add", help="fetch metadata from arXiv and save papers")
    p.add_argument("ids", nargs="+", metavar="ID", help="arXiv ids or arxiv.org / huggingface.co URLs")
    add_format(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("list", help="list papers")
    p.add_argument("--saved", action="store_true", help="only saved papers")
    p.add_argument("--tag", action="append", default=[], help="only papers with this tag (repeatable)")
    p.add_argument(
        "--list", dest="list_name", metavar="NAME", help="only papers of this reading list, in order"
    )
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--date", type=_date, help="papers of this day's Daily Papers feed")
    p.add_argument(
        "--trending",
        metavar="WINDOW",
        help="papers of a week's or a month's feed, most upvoted first: 2026-W49, 2026-11, week or month",
    )
    p.add_argument("--starred", action="store_true")
    p.add_argument("--dismissed", action="store_true", help="show dismissed papers (hidden otherwise)")
    p.add_argument("--sort", choices=("upvotes", "published", "title", "added", "feed", "author", "citekey"))
    p.add_argument("--asc", action="store_true", help="ascending order")
    p.add_argument("--limit", type=int, default=None)
    add_format(p)
    p.set_defaults(func=cmd_list, readonly=True)

    p = sub.add_parser("trending", help="this week's (or month's) feed papers, most upvoted first")
    span = p.add_mutually_exclusive_group()
    span.add_argument("--week", action="store_const", const="week", dest="span", help="the week (default)")
    span.add_argument("--month", action="store_const", const="month", dest="span", help="the month")
    span.add_argument("--window", metavar="WINDOW", help="a given week or month: 2026-W49 or 2026-11")
    p.add_argument("--limit", type=int, default=30)
    add_format(p)
    p.set_defaults(func=cmd_trending, readonly=True, span="week")

    p = sub.add_parser("search", help='full-text search: words, "phrases", prefix*, tag:, author:, year:')
    p.add_argument("query", nargs="+")
    p.add_argument("--limit", type=int, default=50)
    add_format(p)
    p.set_defaults(func=cmd_search, readonly=True)

    p = sub.add_parser("show", help="one paper in full")
    p.add_argument("id", metavar="ID")
    add_format(p)
    p.set_defaults(func=cmd_show, readonly=True)

    p = sub.add_parser("save", help="keep papers in the library")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--undo", action="store_true", help="un-save")
    p.set_defaults(func=cmd_save)

    p = sub.add_parser(
        "dismiss", help="hide papers from the feed, or a whole topic of a day (--topic N, one undo step)"
    )
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--undo", action="store_true", help="un-dismiss")
    p.add_argument(
        "--topic",
        type=_count,
        metavar="N",
        help="dismiss topic N of the day, numbered as `readinglist clusters` prints them",
    )
    p.add_argument("--date", type=_date, help="with --topic: the feed day (default: the newest synced day)")
    p.add_argument(
        "-k", "--clusters", type=_count, dest="k", help="with --topic: the -k given to `readinglist clusters`"
    )
    p.set_defaults(func=cmd_dismiss, usage=p.error)

    p = sub.add_parser("tag", help="add or remove tags")
    p.add_argument("id", metavar="ID")
    p.add_argument("tags", nargs="+", metavar="TAG")
    p.add_argument("--remove", action="store_true")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("status", help="set the reading status")
    p.add_argument("id", metavar="ID")
    p.add_argument("status", choices=STATUSES)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("note", help="append to the paper's note (Markdown)")
    p.add_argument("id", metavar="ID")
    p.add_argument("text", nargs="*")
    p.add_argument("--show", action="store_true", help="print the note and its version")
    p.add_argument("--replace", action="store_true", help="replace the note instead of appending")
    p.add_argument(
        "--if-version",
        type=int,
        metavar="N",
        help="with --replace: refuse if the note is no longer version N",
    )
    p.set_defaults(func=cmd_note)


def cmd_add(lib: Library, args: argparse.Namespace) -> int:
    ids = papers.add(lib, args.ids)
    rows = lib.get_many(ids)
    if args.format == "json":
        emit_json([r.to_json() for r in rows])
    else:
        for r in rows:
            message(f"saved {r.arxiv_id} as {r.citekey}: {r.title}")
    return 0


def cmd_list(lib: Library, args: argparse.Namespace) -> int:
    f = PaperFilter(
        saved=True if args.saved else None,
        dismissed=None if args.dismissed else False,
        starred=True if args.starred else None,
        status=args.status,
        tags=tuple(args.tag),
        list_name=args.list_name,
        feed_date=args.date,
    )
    if args.dismissed:
        f = PaperFilter(**{**f.__dict__, "dismissed": True})
    if args.trending:
        f = _window(lib, args.trending).filter(f)
    rows = lib.list_papers(f, sort=args.sort, descending=not args.asc, limit=args.limit)
    if args.format == "json":
        emit_json([r.to_json() for r in rows])
    else:
        paper_table(rows)
    return 0


def _window(lib: Library, text: str) -> Window:
    from readinglist.services import trending

    if text in trending.SPANS:
        return trending.current_window(lib, text)
    return trending.parse_window(text)


def cmd_trending(lib: Library, args: argparse.Namespace) -> int:
    w = _window(lib, args.window or args.span)
    rows = lib.list_papers(w.filter(), limit=args.limit)
    if args.format == "json":
        papers_json = [r.to_json() for r in rows]
        emit_json(
            {"window": w.label, "start": w.start.isoformat(), "end": w.end.isoformat(), "papers": papers_json}
        )
    else:
        message(w.title)
        paper_table(rows, {r.id: f"▲{r.upvotes}" for r in rows})
    return 0


def cmd_search(lib: Library, args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    results = lib.search_papers(query, limit=args.limit)
    if args.format == "json":
        out = []
        for row, hit in results:
            d = row.to_json()
            d["pdf_pages"] = list(hit.pages)
            out.append(d)
        emit_json(out)
    else:
        extra = {row.id: "PDF p. " + ", ".join(map(str, hit.pages[:8])) for row, hit in results if hit.pages}
        paper_table([r for r, _ in results], extra)
    return 0


def cmd_show(lib: Library, args: argparse.Namespace) -> int:
    row = lib.get(lib.resolve(args.id))
    if args.format == "json":
        emit_json(row.to_json())
    else:
        paper_detail(row)
    return 0


def cmd_save(lib: Library, args: argparse.Namespace) -> int:
    ids = lib.resolve_many(args.ids)
    papers.save(lib, ids, saved=not args.undo)
    message(f"{'un' if args.undo else ''}saved {plural(len(ids), 'paper')}")
    return 0


def cmd_dismiss(lib: Library, args: argparse.Namespace) -> int:
    if args.topic is not None:
        return _dismiss_topic(lib, args)
    if not args.ids:
        args.usage("give the papers to dismiss (ID...), or a topic of the day with --topic N")
    if args.date is not None or args.k is not None:
        args.usage("--date and -k go with --topic N")
    ids = lib.resolve_many(args.ids)
    papers.dismiss(lib, ids, dismissed=not args.undo)
    message(f"{'un' if args.undo else ''}dismissed {plural(len(ids), 'paper')}")
    return 0


def _dismiss_topic(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services import topics

    if args.ids or args.undo:
        args.usage("--topic N takes no IDs and no --undo (take a topic back with: readinglist undo)")
    topic = topics.topic_number(lib, args.topic, args.date, args.k)
    done = topics.dismiss_cluster(lib, topic)
    where = f"topic {topic.number} of {topic.day.isoformat()}, “{topic.name}”"
    if not done.paper_ids:
        message(f"every paper of {where} was dismissed already; nothing changed")
    else:
        n = plural(len(done.paper_ids), "paper")
        message(f"dismissed {n} of {where} (take them back with: readinglist undo)")
    return 0


def cmd_tag(lib: Library, args: argparse.Namespace) -> int:
    pid = lib.resolve(args.id)
    papers.tag(lib, [pid], args.tags, remove=args.remove)
    row = lib.get(pid)
    message(f"{row.citekey}: tags now {', '.join(row.tags) or '(none)'}")
    return 0


def cmd_status(lib: Library, args: argparse.Namespace) -> int:
    pid = lib.resolve(args.id)
    papers.set_status(lib, [pid], args.status)
    return 0


def cmd_note(lib: Library, args: argparse.Namespace) -> int:
    pid = lib.resolve(args.id)
    if args.show or not args.text:
        note, version = papers.note_state(lib, pid)
        print(f"version: {version}\n\n{note}", end="" if note.endswith("\n") else "\n")
    elif args.replace:
        papers.set_note(lib, pid, " ".join(args.text) + "\n", base_version=args.if_version)
    else:
        papers.append_note(lib, pid, " ".join(args.text))
    return 0
