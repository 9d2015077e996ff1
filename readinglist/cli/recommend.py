"""``recommend``, ``similar`` and ``suggest-tags``: For you, learned from this library, offline.

numpy and scikit-learn load only when one of these commands runs, so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import shutil

from readinglist.cli.output import emit_json, message
from readinglist.cli.papers import _count, _date, add_format
from readinglist.errors import ReadingListError
from readinglist.services.library import Library

FEATURES = ("tfidf", "embed", "both")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("recommend", help="feed papers ranked For you, with why (or --evaluate)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--date", type=_date, help="one feed day (default: the newest synced day)")
    g.add_argument("--days", type=_count, help="the feed of the last N days up to today")
    g.add_argument(
        "--evaluate", action="store_true", help="measure For you and tag suggestions on your library"
    )
    p.add_argument("--limit", type=_count, help="at most N papers")
    p.add_argument("--features", choices=FEATURES, help="what the models read (default: both when installed)")
    add_format(p)
    p.set_defaults(func=cmd_recommend, readonly=True)

    p = sub.add_parser("clusters", help="a feed day's papers grouped into topics (k-means)")
    p.add_argument("--date", type=_date, help="one feed day (default: the newest synced day)")
    p.add_argument(
        "-k", "--clusters", type=_count, dest="k", help="how many topics (default: about sqrt(n/2))"
    )
    add_format(p)
    p.set_defaults(func=cmd_clusters, readonly=True)

    p = sub.add_parser("similar", help="the papers most like one paper, in the library and the feed")
    p.add_argument("id", metavar="ID", help="arXiv id, citation key or #id")
    p.add_argument("--limit", type=_count, default=10, help="how many (default 10)")
    add_format(p)
    p.set_defaults(func=cmd_similar, readonly=True)

    p = sub.add_parser("suggest-tags", help="tags a paper probably belongs under, with confidence")
    p.add_argument("id", metavar="ID", help="arXiv id, citation key or #id")
    p.add_argument("--limit", type=_count, default=3, help="how many (default 3)")
    add_format(p)
    p.set_defaults(func=cmd_suggest_tags, readonly=True)
    register_autotag(sub)


def _confidence(text: str) -> float | None:
    if text.lower() in ("off", "none"):
        return None
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a confidence between 0 and 1 (or off)") from None
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError("a confidence is between 0 and 1")
    return x


def register_autotag(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "auto-tag", help="give untagged feed papers the tags For you is confident about (one undo step)"
    )
    p.add_argument(
        "--threshold",
        type=_confidence,
        metavar="X",
        help="the confidence (0-1) a suggested tag needs (default: the library's autotag_threshold)",
    )
    p.add_argument("--days", type=_count, help="only feed papers of the last N days (default: every day)")
    p.add_argument("--dry-run", action="store_true", help="say what would be tagged, change nothing")
    p.add_argument(
        "--set-threshold",
        type=_confidence,
        metavar="X|off",
        default=argparse.SUPPRESS,
        help="store X as the library's threshold (new papers are auto-tagged after each sync), or turn it off",
    )
    add_format(p)
    p.set_defaults(func=cmd_auto_tag)


def cmd_auto_tag(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services import autotag, library_settings

    if hasattr(args, "set_threshold"):
        library_settings.set_setting(lib, autotag.SETTING, args.set_threshold)
        t = args.set_threshold
        message("auto-tagging after sync is off" if t is None else f"auto-tagging after sync at {t:.2f}")
        if args.threshold is None and not args.dry_run and args.days is None:
            return 0
    cutoff = args.threshold if args.threshold is not None else autotag.threshold(lib)
    if cutoff is None:
        raise ReadingListError(
            "auto-tagging is off for this library: pass --threshold X (0-1), or turn it on with --set-threshold X"
        )
    ids = autotag.untagged_feed_ids(lib, days=args.days)
    found, _ = autotag.auto_tag(lib, ids, cutoff, dry_run=args.dry_run)
    if args.format == "json":
        emit_json(
            [
                {"id": p.paper_id, "tags": [{"tag": t, "confidence": round(c, 4)} for t, c in p.tags]}
                for p in found
            ]
        )
    else:
        rows = {r.id: r for r in lib.get_many([p.paper_id for p in found])}
        title_w = _title_width(40)
        for p in found:
            r = rows[p.paper_id]
            tags = ", ".join(f"{t} {c:.2f}" for t, c in p.tags)
            print(f"{(r.arxiv_id or '#' + str(r.id)):<12}  {_clip(r.title, title_w)}  [{tags}]")
    verb = "would tag" if args.dry_run else "auto-tagged"
    tail = "" if args.dry_run or not found else " (take them back with: readinglist undo)"
    message(f"{verb} {len(found)} of {len(ids)} untagged feed papers at confidence {cutoff:.2f}{tail}")
    return 0


def _title_width(fixed: int) -> int:
    return max(20, shutil.get_terminal_size((120, 20)).columns - fixed)


def _clip(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def cmd_recommend(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.recommend.service import Recommender, feed_ids

    if args.evaluate:
        return _evaluate(lib, args)
    ids, label = feed_ids(lib, date=args.date, days=args.days)
    if not ids:
        message(f"no feed papers for {label}")
        if args.format == "json":
            emit_json([])
        return 0
    rec = Recommender.build(lib, mode=args.features)
    ranking = rec.rank(ids)
    items = ranking.items[: args.limit] if args.limit else ranking.items
    rows = {r.id: r for r in lib.get_many([it.paper_id for it in items])}
    if ranking.note:
        message(ranking.note)
    if args.format == "json":
        emit_json(
            [
                {**rows[it.paper_id].to_json(), "score": round(it.score, 4), "reasons": list(it.reasons)}
                for it in items
            ]
        )
        return 0
    title_w = _title_width(30)
    for it in items:
        r = rows[it.paper_id]
        score = f"{it.score:5.2f}" if ranking.personal else f"{int(it.score):>5}"
        print(f"{score}  {(r.arxiv_id or '#' + str(r.id)):<12}  {_clip(r.title, title_w)}")
        for reason in it.reasons:
            print(f"{'':21}{_clip(reason, title_w)}")
    message(f"{len(items)} papers of {label}, " + ("For you" if ranking.personal else "by upvotes"))
    return 0


def _evaluate(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.recommend import evaluate, features
    from readinglist.recommend.corpus import load_docs
    from readinglist.recommend.service import require

    require()
    docs = load_docs(lib)
    f = features.update(lib.root, docs)
    modes = [args.features] if args.features else None
    result = evaluate.evaluate(docs, f, modes=modes)
    if args.format == "json":
        emit_json(result)
        return 0

    def pct(v: object) -> str:
        return f"{v:.3f}" if isinstance(v, float) else "  n/a"

    print(
        f"trained on {result['n_train']} papers listed before {result['split_date']}, tested on {result['n_test']}"
    )
    print(f"{'':10} {'tag P@1':>8} {'tag P@3':>8} {'nDCG@10':>8} {'AUC':>8}")
    by: dict[str, dict[str, object]] = result["by_features"]  # type: ignore[assignment]
    for mode, m in by.items():
        mark = " *" if mode == result["features"] else ""
        print(
            f"{mode:10} {pct(m['tag_precision_at_1']):>8} {pct(m['tag_precision_at_3']):>8} "
            f"{pct(m['ndcg_at_10']):>8} {pct(m['auc']):>8}{mark}"
        )
    up: dict[str, object] = result["upvotes"]  # type: ignore[assignment]
    print(f"{'upvotes':10} {'':>8} {'':>8} {pct(up['ndcg_at_10']):>8} {pct(up['auc']):>8}")
    return 0


def cmd_similar(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.recommend.service import Recommender

    pid = lib.resolve(args.id)
    rec = Recommender.build(lib)
    found = rec.similar(pid, args.limit)
    rows = {r.id: r for r in lib.get_many([i for i, _ in found])}
    if args.format == "json":
        emit_json([{**rows[i].to_json(), "score": round(s, 4)} for i, s in found])
        return 0
    title_w = _title_width(24)
    for i, s in found:
        r = rows[i]
        print(f"{s:5.2f}  {(r.arxiv_id or '#' + str(r.id)):<12}  {_clip(r.title, title_w)}")
    if not found:
        message("no other papers in the library")
    return 0


def cmd_suggest_tags(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.recommend.service import Recommender

    pid = lib.resolve(args.id)
    rec = Recommender.build(lib)
    found = rec.suggest_tags(pid, args.limit)
    if args.format == "json":
        emit_json([{"tag": t, "confidence": round(c, 4)} for t, c in found])
        return 0
    for t, c in found:
        print(f"{c:5.2f}  {t}")
    if not found:
        message(f"no tag has {2} or more papers yet to learn from")
    return 0


def cmd_clusters(lib: Library, args: argparse.Namespace) -> int:
    from readinglist.services.topics import day_topics

    found = day_topics(lib, args.date, args.k)
    if not found.topics:
        label = found.day.isoformat() if found.day else "no feed day synced yet (run: readinglist sync)"
        message(f"no feed papers for {label}")
        if args.format == "json":
            emit_json([])
        return 0
    rows = {r.id: r for r in lib.get_many(list(found.paper_ids))}
    if args.format == "json":
        emit_json(
            [
                {"topic": t.number, "label": t.label, "papers": [rows[i].to_json() for i in t.paper_ids]}
                for t in found.topics
            ]
        )
        return 0
    title_w = _title_width(18)
    for t in found.topics:
        print(f"{t.number}. {t.label} ({len(t.paper_ids)})")
        for i in t.paper_ids:
            r = rows[i]
            mark = "  (dismissed)" if r.dismissed else ""
            print(f"  {(r.arxiv_id or '#' + str(r.id)):<12}  {_clip(r.title, title_w)}{mark}")
    day = found.day.isoformat() if found.day else ""
    date = "" if args.date is None else f" --date {day}"
    k = "" if args.k is None else f" -k {args.k}"
    message(
        f"{len(found.topics)} topics among {len(found.paper_ids)} papers of {day}; "
        f"dismiss one with: readinglist dismiss --topic N{date}{k}"
    )
    return 0
