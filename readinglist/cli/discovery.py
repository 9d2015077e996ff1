"""``discover``, ``alerts`` and ``digest``: looking beyond the library and keeping up with the feed."""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import TYPE_CHECKING

from readinglist.cli.output import emit_json, first_author, message
from readinglist.cli.papers import _date, add_format
from readinglist.errors import ReadingListError
from readinglist.lazy import lazy_module
from readinglist.records import RemoteResult
from readinglist.services.library import Library
from readinglist.textutil import plural

if TYPE_CHECKING:  # loaded when a command runs
    from readinglist.services import alerts, digest, discovery
else:
    alerts = lazy_module("readinglist.services.alerts")
    digest = lazy_module("readinglist.services.digest")
    discovery = lazy_module("readinglist.services.discovery")

# The services' own tuples, repeated so that building the parser loads neither (a test keeps them equal).
SOURCES = ("hf", "arxiv")
DIGEST_FORMATS = ("markdown", "html", "json", "atom")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return n


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("discover", help="search Hugging Face Papers or arXiv beyond the library")
    p.add_argument(
        "query", nargs="+", help="words (hf), or arXiv syntax: ti:, au:, abs:, cat:, AND/OR/ANDNOT"
    )
    p.add_argument("--source", choices=SOURCES, default="hf", help="where to search (default hf)")
    p.add_argument("--start", type=_positive, default=0, help="index of the first result (paging)")
    p.add_argument("--limit", type=_positive, default=25, help="results per page (1-200)")
    add_format(p)
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("alerts", help="saved searches that watch the feed")
    asub = p.add_subparsers(dest="alerts_command", metavar="ACTION")
    asub.required = True
    a = asub.add_parser("add", help="add an alert (or change its query)")
    a.add_argument("name")
    a.add_argument("--query", required=True, help="library search syntax: words, tag:, author:, year:")
    a.set_defaults(func=cmd_alerts_add)
    a = asub.add_parser("list", help="the alerts and their unseen matches")
    add_format(a)
    a.set_defaults(func=cmd_alerts_list)
    a = asub.add_parser("remove", help="delete an alert and its matches")
    a.add_argument("name")
    a.set_defaults(func=cmd_alerts_remove)
    a = asub.add_parser("check", help="run the alerts over already-synced days")
    a.add_argument("--date", type=_date, help="only the new papers of this feed day")
    add_format(a)
    a.set_defaults(func=cmd_alerts_check)
    a = asub.add_parser("seen", help="mark an alert's matches as seen")
    a.add_argument("name")
    a.set_defaults(func=cmd_alerts_seen)

    p = sub.add_parser("digest", help="new papers, top upvoted, alert matches and your unread queue")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--date", type=_date, help="one feed day (default: the newest synced day)")
    g.add_argument("--days", type=int, help="the last N days up to today")
    p.add_argument("--format", choices=DIGEST_FORMATS, default="markdown", help="output format")
    p.add_argument("--top", type=_positive, default=10, help="how many top-upvoted papers (default 10)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.add_argument("--no-for-you", action="store_true", help="leave out the For you section")
    m = p.add_argument_group("mail (text and HTML in one message, through your SMTP server)")
    m.add_argument("--email", action="store_true", help="mail the digest instead of printing it")
    m.add_argument("--smtp", metavar="HOST[:PORT]", help="the SMTP server (default port 25; 465 with --ssl)")
    m.add_argument("--mail-from", metavar="ADDRESS")
    m.add_argument("--mail-to", metavar="ADDRESS", action="append", default=[], help="repeat for more")
    m.add_argument(
        "--smtp-user",
        metavar="NAME",
        help="log in as NAME (password from the system keyring or $READINGLIST_SMTP_PASSWORD)",
    )
    m.add_argument("--starttls", action="store_true", help="upgrade the connection with STARTTLS")
    m.add_argument("--ssl", action="store_true", help="connect with TLS from the start")
    p.set_defaults(func=cmd_digest)


# --- discover --------------------------------------------------------------------------------


def _result_line(r: RemoteResult, title_w: int) -> str:
    m = r.paper
    mark = "L" if r.in_library else ("F" if r.in_feed else "·")
    title = m.title if len(m.title) <= title_w else m.title[: title_w - 1] + "…"
    year = m.published.isoformat() if m.published else "          "
    upv = f"{r.upvotes:>4}" if r.source == "hf" else "    "
    return f"{mark} {(m.arxiv_id or '-'):<16} {upv}  {year}  {title:<{title_w}}  {first_author(m.authors)}".rstrip()


def cmd_discover(lib: Library, args: argparse.Namespace) -> int:
    page = discovery.discover(
        lib, " ".join(args.query), source=args.source, start=args.start, limit=args.limit
    )
    if args.format == "json":
        rows = discovery.library_rows(lib, page.results)
        emit_json([discovery.result_json(r, rows.get(r.paper.arxiv_id or "")) for r in page.results])
    else:
        width = shutil.get_terminal_size((120, 20)).columns
        title_w = max(20, width - 60)
        for r in page.results:
            print(_result_line(r, title_w))
    shown = len(page.results)
    where = discovery.SOURCE_NAMES[page.source]
    if not shown:
        message(f"{where} found nothing" + (" on this page" if page.start else ""))
        return 0
    of = f" of {page.total}" if page.total is not None else ""
    line = f"{where}: results {page.start + 1}-{page.start + shown}{of}; L = in your library, F = in your feed (not saved)"
    more = page.total is None and shown == args.limit
    if more or (page.total is not None and page.start + shown < page.total):
        line += f"; next page: --start {page.start + shown}"
    message(line)
    return 0


# --- alerts ----------------------------------------------------------------------------------


def cmd_alerts_add(lib: Library, args: argparse.Namespace) -> int:
    alerts.add_alert(lib, args.name, args.query)
    message(f"alert {args.name!r} watches the feed for: {args.query}")
    message("it runs after every sync; run it over days already synced with: readinglist alerts check")
    return 0


def cmd_alerts_list(lib: Library, args: argparse.Namespace) -> int:
    items = [s for s in lib.saved_searches() if s.is_alert]
    if args.format == "json":
        emit_json([{"name": s.name, "query": s.query, "unseen": s.unseen} for s in items])
        return 0
    if not items:
        message("no alerts (add one with: readinglist alerts add NAME --query Q)")
        return 0
    name_w = max(len(s.name) for s in items)
    for s in items:
        print(f"{s.name:<{name_w}}  {s.unseen:>4} unseen  {s.query}")
    return 0


def cmd_alerts_remove(lib: Library, args: argparse.Namespace) -> int:
    alerts.remove_alert(lib, args.name)
    message(f"removed alert {args.name!r}")
    return 0


def cmd_alerts_check(lib: Library, args: argparse.Namespace) -> int:
    if args.date is not None and not alerts.synced_days(lib, args.date, args.date):
        message(
            f"no papers synced for {args.date.isoformat()} (sync it: readinglist sync --date {args.date})"
        )
    found = alerts.check_alerts(lib, args.date)
    counts = alerts.alert_counts(lib)
    if args.format == "json":
        emit_json([{"name": n, "matched": len(found.get(n, [])), "unseen": c} for n, c in counts.items()])
        return 0
    if not counts:
        message("no alerts (add one with: readinglist alerts add NAME --query Q)")
    for name, unseen in counts.items():
        message(f"{name}: {plural(len(found.get(name, [])), 'matching paper')}, {unseen} unseen")
    return 0


def cmd_alerts_seen(lib: Library, args: argparse.Namespace) -> int:
    n = alerts.mark_seen(lib, args.name)
    message(f"{args.name}: {n} match(es) marked seen")
    return 0


# --- digest ----------------------------------------------------------------------------------


def cmd_digest(lib: Library, args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        message("error: --days must be at least 1")
        return 2
    d = digest.build_digest(lib, date=args.date, days=args.days, top=args.top)
    if not d.has_data:
        if args.date is not None:
            raise ReadingListError(
                f"no Daily Papers synced for {args.date.isoformat()}; "
                f"sync that day first: readinglist sync --date {args.date.isoformat()}"
            )
        if args.days is not None:
            raise ReadingListError(
                f"no Daily Papers synced in the last {plural(args.days, 'day')}; sync first: readinglist sync --days {args.days}"
            )
        raise ReadingListError("nothing synced yet; sync the feed first: readinglist sync")
    if d.missing_days:
        message(
            f"note: {plural(len(d.missing_days), 'day')} of {d.label} not synced; they are not in the digest"
        )
    if args.date is not None and not d.new:
        message(f"{args.date.isoformat()} was synced but had no new papers in the feed")
    if not args.no_for_you:
        from readinglist.recommend.digest import with_for_you

        d = with_for_you(lib, d)
    if args.email:
        return _mail_digest(d, args)
    content = digest.render(d, args.format)
    if args.output:
        path = digest.write_atomically(args.output, content)
        message(f"wrote the digest of {d.label} to {path}")
    else:
        sys.stdout.write(content)
    return 0


def _mail_digest(d: digest.Digest, args: argparse.Namespace) -> int:
    from readinglist.services.digest_out import MailSettings, send

    if not args.smtp:
        raise ReadingListError("say which SMTP server sends the digest: --smtp HOST[:PORT]")
    host, _, port = args.smtp.rpartition(":") if ":" in args.smtp else (args.smtp, "", "")
    if port and not port.isdigit():
        raise ReadingListError(f"{args.smtp!r} is not HOST:PORT")
    settings = MailSettings(
        host=host,
        port=int(port) if port else (465 if args.ssl else 25),
        sender=args.mail_from or "",
        to=tuple(args.mail_to),
        user=args.smtp_user,
        starttls=args.starttls,
        ssl=args.ssl,
    )
    send(d, settings)
    message(
        f"mailed the digest of {d.label} to {', '.join(settings.to)} through {settings.host}:{settings.port}"
    )
    return 0
