"""A digest of a feed day or range: new papers, the most upvoted, alert matches, the unread queue.

Built from the library alone (no network). New papers are the new feed papers of the range
(see :mod:`readinglist.services.alerts`): each exactly once, by upvotes within the range.
Dismissed papers are left out everywhere. Renders as Markdown, as self-contained HTML for a
mail client (inline styles only, no scripts, no remote resources, all text escaped) or as JSON.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from readinglist import fileutil
from readinglist.db import queries
from readinglist.errors import ReadingListError
from readinglist.records import PaperFilter, PaperRow
from readinglist.services.alerts import synced_days_in
from readinglist.services.library import Library
from readinglist.texdisplay import tex_to_unicode
from readinglist.textutil import plural

QUEUE_CAP = 20
FORMATS = ("markdown", "html", "json", "atom")
JSON_KEYS = (
    "id", "arxiv_id", "version", "title", "authors", "published", "upvotes",
    "feed_dates", "saved", "status", "tags", "citekey", "pdf",
)  # fmt: skip


@dataclass(frozen=True)
class DigestEntry:
    """A paper in the digest; ``upvotes`` is its best figure within the range.

    ``url`` is the arXiv abstract page (else the DOI); ``hf_url`` its Hugging Face page.
    """

    paper: PaperRow
    upvotes: int
    url: str | None
    hf_url: str | None
    reasons: tuple[str, ...] = ()  # why For you ranked it (empty elsewhere)

    @property
    def first_feed_date(self) -> dt.date | None:
        return self.paper.feed_dates[0] if self.paper.feed_dates else None


@dataclass(frozen=True)
class AlertDigest:
    name: str
    query: str
    papers: tuple[DigestEntry, ...]


@dataclass(frozen=True)
class Digest:
    start: dt.date
    end: dt.date
    synced_days: tuple[dt.date, ...]
    new: tuple[DigestEntry, ...]
    top: tuple[DigestEntry, ...]
    alerts: tuple[AlertDigest, ...]
    queue: tuple[DigestEntry, ...]
    queue_total: int
    for_you: tuple[DigestEntry, ...] = ()  # filled by readinglist.recommend.digest when it can

    @property
    def has_data(self) -> bool:
        """Whether any day of the range has been synced (an empty synced day counts)."""
        return bool(self.synced_days)

    @property
    def missing_days(self) -> tuple[dt.date, ...]:
        span = (self.end - self.start).days + 1
        days = (self.start + dt.timedelta(days=n) for n in range(span))
        return tuple(d for d in days if d not in set(self.synced_days))

    @property
    def label(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


# --- building --------------------------------------------------------------------------------


def _newest_synced(s: Session, today: dt.date) -> dt.date | None:
    """The newest day up to ``today`` that has feed papers, else the newest synced day: a
    synced but empty today (a weekend, an early morning) must not make an empty digest."""
    for sql in (
        "SELECT max(feed_date) FROM feed_appearances WHERE feed_date <= :t",
        "SELECT max(feed_date) FROM synced_days WHERE feed_date <= :t",
    ):
        d = s.execute(text(sql), {"t": today.isoformat()}).scalar_one_or_none()
        if d:
            return dt.date.fromisoformat(str(d)[:10])
    return None


def newest_day(lib: Library, today: dt.date | None = None) -> dt.date | None:
    """The day a digest opens on by default (see :func:`build_digest`)."""
    with lib.read() as s:
        return _newest_synced(s, today or dt.datetime.now(dt.UTC).date())


# Driven by feed_appearances (indexed by day), so the cost follows the range, not the library.
_FEED_RANKED = (
    "SELECT fa.paper_id, max(fa.upvotes) AS u FROM feed_appearances fa JOIN papers p ON p.id = fa.paper_id "
    "WHERE fa.feed_date BETWEEN :a AND :b AND NOT p.dismissed{extra} "
    "GROUP BY fa.paper_id ORDER BY u DESC, fa.paper_id{limit}"
)
_FIRST_IN_RANGE = (
    " AND NOT EXISTS (SELECT 1 FROM feed_appearances e WHERE e.paper_id = fa.paper_id AND e.feed_date < :a)"
)
_ALERT_RANKED = (
    "SELECT p.id, coalesce((SELECT max(fa.upvotes) FROM feed_appearances fa WHERE fa.paper_id = p.id "
    "AND fa.feed_date BETWEEN :a AND :b), p.upvotes) AS u "
    "FROM alert_matches am JOIN papers p ON p.id = am.paper_id "
    "WHERE am.search_id = :s AND am.feed_date BETWEEN :a AND :b AND NOT p.dismissed ORDER BY u DESC, p.id"
)


def _ranked(s: Session, sql: str, params: dict[str, object]) -> list[tuple[int, int]]:
    """(paper id, upvotes in range), best first."""
    return [(int(i), int(u or 0)) for i, u in s.execute(text(sql), params)]


def build_digest(
    lib: Library,
    *,
    date: dt.date | None = None,
    days: int | None = None,
    today: dt.date | None = None,
    top: int = 10,
) -> Digest:
    """The digest of one day (``date``), of the last ``days`` days up to ``today``, or by
    default of the newest day with feed papers (else the newest synced day). Read-only."""
    if date is not None and days is not None:
        raise ReadingListError("give a date or a number of days, not both")
    if days is not None and days < 1:
        raise ReadingListError("the number of days must be at least 1")
    today = today or dt.datetime.now(dt.UTC).date()
    with lib.read() as s:
        if date is not None:
            start = end = date
        elif days is not None:
            start, end = today - dt.timedelta(days=days - 1), today
        else:
            start = end = _newest_synced(s, today) or today
        a, b = start.isoformat(), end.isoformat()
        params: dict[str, object] = {"a": a, "b": b}
        new = _ranked(s, _FEED_RANKED.format(extra=_FIRST_IN_RANGE, limit=""), params)
        best = _ranked(s, _FEED_RANKED.format(extra="", limit=f" LIMIT {max(0, int(top))}"), params)
        alerts = [
            (str(name), str(query), _ranked(s, _ALERT_RANKED, {**params, "s": sid}))
            for sid, name, query in s.execute(
                text("SELECT id, name, query FROM saved_searches WHERE is_alert ORDER BY position, name")
            ).all()
        ]
        queue_filter = PaperFilter(saved=True, status="unread", dismissed=False)
        queue_ids = queries.select_ids(s, queue_filter, sort="added", limit=QUEUE_CAP)
        queue_total = queries.count(s, queue_filter)
        wanted = {i for i, _ in new} | {i for i, _ in best} | set(queue_ids)
        wanted |= {i for _, _, r in alerts for i, _ in r}
        rows = {r.id: r for r in queries.rows(s, sorted(wanted), lib.root)}
        synced = synced_days_in(s, start, end)

    def entries(ranked: Sequence[tuple[int, int]]) -> tuple[DigestEntry, ...]:
        return tuple(_entry(lib, rows[i], u) for i, u in ranked if i in rows)

    return Digest(
        start=start,
        end=end,
        synced_days=synced,
        new=entries(new),
        top=entries(best),
        alerts=tuple(AlertDigest(n, q, entries(r)) for n, q, r in alerts),
        queue=entries([(i, rows[i].upvotes) for i in queue_ids if i in rows]),
        queue_total=queue_total,
    )


def entry_for(lib: Library, row: PaperRow) -> DigestEntry:
    """A digest entry for a paper, with its best upvotes."""
    return _entry(lib, row, row.upvotes)


def _entry(lib: Library, row: PaperRow, upvotes: int) -> DigestEntry:
    url = hf_url = None
    if row.arxiv_id:
        url = f"{lib.endpoints.arxiv}/abs/{row.arxiv_id}"
        if row.feed_dates:  # only feed papers are sure to have a Hugging Face page
            hf_url = f"{lib.endpoints.hf}/papers/{row.arxiv_id}"
    elif row.doi:
        url = f"https://doi.org/{row.doi}"
    return DigestEntry(paper=row, upvotes=upvotes, url=url, hf_url=hf_url)


# --- rendering -------------------------------------------------------------------------------


def snippet(row: PaperRow, width: int = 280) -> str:
    """A short summary: the HF one-liner when known, else the abstract cut at a word."""
    ai = row.meta.ai_summary if row.meta else None
    body = " ".join(tex_to_unicode(ai or row.abstract or "").split())
    if len(body) <= width:
        return body
    return body[:width].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _authors(row: PaperRow, n: int = 3) -> str:
    names = list(row.authors[:n])
    return ", ".join(names) + (" et al." if len(row.authors) > n else "")


def _entry_json(e: DigestEntry) -> dict[str, object]:
    full = e.paper.to_json()
    out = {k: full[k] for k in JSON_KEYS}
    first = e.first_feed_date
    out.update(
        range_upvotes=e.upvotes,
        first_feed_date=first.isoformat() if first else None,
        url=e.url,
        hf_url=e.hf_url,
    )
    if e.reasons:
        out["reasons"] = list(e.reasons)
    return out


def render_json(d: Digest) -> dict[str, object]:
    """The digest as plain JSON values: range, new, top, alerts, queue."""
    return {
        "range": {
            "start": d.start.isoformat(),
            "end": d.end.isoformat(),
            "synced_days": [x.isoformat() for x in d.synced_days],
            "missing_days": [x.isoformat() for x in d.missing_days],
        },
        **({"for_you": [_entry_json(e) for e in d.for_you]} if d.for_you else {}),
        "new": [_entry_json(e) for e in d.new],
        "top": [_entry_json(e) for e in d.top],
        "alerts": [
            {"name": a.name, "query": a.query, "papers": [_entry_json(e) for e in a.papers]} for a in d.alerts
        ],
        "queue": [_entry_json(e) for e in d.queue],
        "queue_total": d.queue_total,
    }


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")


def md_escape(s: str) -> str:
    """Backslash-escape what Markdown would read as markup (``<EOS>`` stays text)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(s.split()))


def _md_item(n: int, e: DigestEntry, *, detail: bool) -> list[str]:
    title = md_escape(tex_to_unicode(e.paper.title))
    head = f"[{title}]({e.url})" if e.url else title
    lines = [f"{n}. **{head}** · {e.upvotes} upvotes"]
    bits = [md_escape(_authors(e.paper))] if e.paper.authors else []
    if e.paper.arxiv_id:
        bits.append(f"arXiv:{md_escape(e.paper.arxiv_id)}")
    if e.hf_url:
        bits.append(f"[Hugging Face]({e.hf_url})")
    if bits:
        lines.append("   " + " · ".join(bits))
    lines += ["   " + md_escape(r) for r in e.reasons]
    if detail and snippet(e.paper):
        lines.append("   " + md_escape(snippet(e.paper)))
    return [line + "  " for line in lines[:-1]] + lines[-1:]  # two spaces: a hard line break


def _md_list(entries: Sequence[DigestEntry], empty: str, *, detail: bool = False) -> list[str]:
    if not entries:
        return [f"_{empty}_", ""]
    out: list[str] = []
    for n, e in enumerate(entries, start=1):
        out += [*_md_item(n, e, detail=detail), ""]
    return out


def _summary_line(d: Digest) -> str:
    parts = [f"{len(d.new)} new papers", f"{sum(len(a.papers) for a in d.alerts)} alert matches"]
    if not d.has_data:
        parts.insert(0, "no synced feed data")
    elif d.missing_days:
        parts.append(f"{plural(len(d.missing_days), 'day')} not synced")
    return " · ".join(parts)


def render_markdown(d: Digest) -> str:
    """The digest as Markdown: a title, then New papers, Top upvoted, Alerts, Unread queue."""
    out = [f"# Reading digest: {d.label}", "", _summary_line(d), ""]
    if d.for_you:
        out += [f"## For you ({len(d.for_you)})", "", *_md_list(d.for_you, "")]
    out += [f"## New papers ({len(d.new)})", ""]
    out += _md_list(d.new, "No new papers in the feed.", detail=True)
    out += [f"## Top upvoted ({len(d.top)})", ""]
    out += _md_list(d.top, "No feed papers in this range.")
    out += ["## Alerts", ""]
    if not d.alerts:
        out += ["_No alerts. Add one with `readinglist alerts add NAME --query Q`._", ""]
    for a in d.alerts:
        out += [f"### {md_escape(a.name)} ({len(a.papers)})", "", f"Query: `{a.query.replace('`', '')}`", ""]
        out += _md_list(a.papers, "No matches.")
    out += [f"## Unread queue ({len(d.queue)} of {d.queue_total})", ""]
    out += _md_list(d.queue, "Nothing saved and unread.")
    return "\n".join(out).rstrip() + "\n"


_FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
# Colours per theme; the exported file (for a mail client) is always light.
_COLORS = {
    "light": {"bg": "#f4f5f7", "page": "#ffffff", "text": "#1f2328", "muted": "#57606a", "rule": "#d0d7de",
              "link": "#0969da", "snip": "#24292f", "code": "#f6f8fa"},
    "dark": {"bg": "#181b20", "page": "#181b20", "text": "#e6e8eb", "muted": "#a3acb9", "rule": "#3a404a",
             "link": "#7fb0ff", "snip": "#d5d9de", "code": "#2a2f37"},
}  # fmt: skip


def _styles(theme: str = "light", screen: bool = False) -> dict[str, str]:
    c = dict(_COLORS.get(theme, _COLORS["light"]))
    if screen:  # inside the app: one flat page (Qt paints a div's background line by line)
        c["bg"] = c["page"]
    return {
        "body": f"margin:0;padding:0;background:{c['bg']};{_FONT};color:{c['text']}",
        "wrap": f"max-width:720px;margin:0 auto;padding:24px;background:{c['page']}",
        "h1": "font-size:22px;margin:0 0 4px 0",
        "h2": f"font-size:18px;margin:28px 0 8px 0;padding-bottom:4px;border-bottom:1px solid {c['rule']}",
        "h3": "font-size:15px;margin:18px 0 4px 0",
        "muted": f"color:{c['muted']};font-size:13px;margin:0 0 8px 0",
        "ol": "margin:0;padding-left:22px",
        "li": "margin:0 0 12px 0;line-height:1.4",
        "a": f"color:{c['link']};text-decoration:none",
        "title": "font-weight:600",
        "meta": f"color:{c['muted']};font-size:13px",
        "snip": f"margin:4px 0 0 0;font-size:14px;color:{c['snip']}",
        "code": f"font-family:Menlo,Consolas,monospace;font-size:13px;background:{c['code']};padding:1px 4px",
    }


_CSS = _styles("light")


def _e(s: str) -> str:
    return html.escape(s, quote=True)


def _link(url: str, label: str, style: str = _CSS["a"]) -> str:
    return f'<a href="{_e(url)}" style="{style}">{_e(label)}</a>'


def _html_item(e: DigestEntry, css: dict[str, str], *, detail: bool) -> str:
    p = e.paper
    shown = tex_to_unicode(p.title)
    title = _link(e.url, shown, css["a"] + ";" + css["title"]) if e.url else _e(shown)
    bits = [f"{e.upvotes} upvotes"]
    bits += [_e(_authors(p))] if p.authors else []
    if e.hf_url:
        bits.append(_link(e.hf_url, "Hugging Face", css["a"]))
    meta = f'<div style="{css["meta"]}">{" · ".join(bits)}</div>'
    snip = "".join(f'<div style="{css["meta"]}">{_e(r)}</div>' for r in e.reasons)
    snip += f'<p style="{css["snip"]}">{_e(snippet(p))}</p>' if detail and snippet(p) else ""
    return f'<li style="{css["li"]}"><div>{title}</div>{meta}{snip}</li>'


def _html_list(
    entries: Sequence[DigestEntry], empty: str, css: dict[str, str], *, detail: bool = False
) -> str:
    if not entries:
        return f'<p style="{css["muted"]}">{_e(empty)}</p>'
    items = "\n".join(_html_item(e, css, detail=detail) for e in entries)
    return f'<ol style="{css["ol"]}">\n{items}\n</ol>'


def render_html(d: Digest, theme: str = "light", *, screen: bool = False) -> str:
    """Self-contained HTML for a mail client: inline styles, no script, nothing fetched.
    ``theme="dark"`` and ``screen`` are for showing it inside the app; files are written light."""
    css = _styles(theme, screen)
    h2 = css["h2"]
    parts = [
        f'<h1 style="{css["h1"]}">Reading digest: {_e(d.label)}</h1>',
        f'<p style="{css["muted"]}">{_e(_summary_line(d))}</p>',
        *(
            [f'<h2 style="{h2}">For you ({len(d.for_you)})</h2>', _html_list(d.for_you, "", css)]
            if d.for_you
            else []
        ),
        f'<h2 style="{h2}">New papers ({len(d.new)})</h2>',
        _html_list(d.new, "No new papers in the feed.", css, detail=True),
        f'<h2 style="{h2}">Top upvoted ({len(d.top)})</h2>',
        _html_list(d.top, "No feed papers in this range.", css),
        f'<h2 style="{h2}">Alerts</h2>',
    ]
    if not d.alerts:
        parts.append(f'<p style="{css["muted"]}">No alerts yet.</p>')
    for a in d.alerts:
        parts.append(f'<h3 style="{css["h3"]}">{_e(a.name)} ({len(a.papers)})</h3>')
        parts.append(f'<p style="{css["muted"]}">Query: <code style="{css["code"]}">{_e(a.query)}</code></p>')
        parts.append(_html_list(a.papers, "No matches.", css))
    parts.append(f'<h2 style="{h2}">Unread queue ({len(d.queue)} of {d.queue_total})</h2>')
    parts.append(_html_list(d.queue, "Nothing saved and unread.", css))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Reading digest: {_e(d.label)}</title>\n</head>\n"
        f'<body style="{css["body"]}">\n<div style="{css["wrap"]}">\n{body}\n</div>\n</body>\n</html>\n'
    )


def render(d: Digest, fmt: str) -> str:
    """The digest in one of :data:`FORMATS` as text (JSON pretty-printed)."""
    if fmt == "markdown":
        return render_markdown(d)
    if fmt == "html":
        return render_html(d)
    if fmt == "atom":
        from readinglist.services.digest_out import render_atom

        return render_atom(d)
    if fmt == "json":
        import json

        return json.dumps(render_json(d), ensure_ascii=False, indent=2) + "\n"
    raise ReadingListError(f"unknown digest format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_atomically(path: Path | str, content: str) -> Path:
    """Write a digest file via a temp file in the same folder, fsync, os.replace."""
    fileutil.write_atomically(path, content)
    return Path(path).expanduser()
