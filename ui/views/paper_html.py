"""A paper's title, abstract, AI summary and links as safe rich text for QLabel/QTextBrowser.

Everything from a source is escaped (summaries contain literal ``<EOS>`` and ``<a href>``
text); TeX is shown as Unicode (:mod:`readinglist.texdisplay`), math in italics; the search's
match marks (:data:`readinglist.search.MARK_OPEN`/``MARK_CLOSE``) become highlights.
"""

from __future__ import annotations

import html
import re

from readinglist.records import PaperRow
from readinglist.search import MARK_CLOSE, MARK_OPEN
from readinglist.texdisplay import tex_segments

MARK_STYLE = "background-color: #fde68a; color: #111827"
_MATH_STYLE = "font-family: serif; font-style: italic"


def _marks(escaped: str) -> str:
    return escaped.replace(MARK_OPEN, f'<span style="{MARK_STYLE}">').replace(MARK_CLOSE, "</span>")


def rich(text: str) -> str:
    """One piece of source text as HTML: TeX rendered, math italic, match marks highlighted."""
    out = []
    for piece, is_math in tex_segments(text):
        esc = html.escape(piece, quote=False)
        out.append(f'<span style="{_MATH_STYLE}">{esc}</span>' if is_math else esc)
    body = "".join(out)
    if body.count(MARK_OPEN) != body.count(MARK_CLOSE):  # a mark cut by a snippet's edge
        body = body.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
    return _marks(body)


def paragraphs(text: str) -> str:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{rich(p)}</p>" for p in paras)


def abstract_html(text: str, summary: str | None = None, keywords: tuple[str, ...] = ()) -> str:
    """The abstract (and Hugging Face's AI summary above it, when the feed has one)."""
    head = ""
    if summary and summary.strip():
        kw = f"<br><small>{html.escape(', '.join(keywords[:8]))}</small>" if keywords else ""
        head = (
            '<table width="100%" cellpadding="8" style="margin-bottom: 6px"><tr><td '
            'style="background-color: rgba(37, 99, 235, 0.08); border-left: 3px solid #2563eb">'
            f"<b>AI summary</b> <small>(Hugging Face)</small><br>{rich(summary.strip())}{kw}"
            "</td></tr></table>"
        )
    return head + (paragraphs(text) or "<p><i>No abstract.</i></p>")


def links(row: PaperRow, arxiv: str) -> list[tuple[str, str]]:
    """(url, label) of the paper's pages: arXiv, Hugging Face, DOI, code and project page."""
    out = []
    if row.arxiv_id:
        out.append((f"{arxiv}/abs/{row.arxiv_id}", "arXiv"))
        out.append((f"https://huggingface.co/papers/{row.arxiv_id}", "Hugging Face"))
    if row.doi:
        out.append((f"https://doi.org/{row.doi}", "DOI"))
    if row.github_repo:
        label = "GitHub" if "github.com/" in row.github_repo else "Code"
        out.append((row.github_repo, label))
    if row.project_page:
        out.append((row.project_page, "Project page"))
    return out


def links_html(row: PaperRow, arxiv: str) -> str:
    return " · ".join(f'<a href="{html.escape(u)}">{html.escape(t)}</a>' for u, t in links(row, arxiv))


def meta_html(row: PaperRow) -> str:
    parts = []
    if row.published:
        parts.append(f"{row.published.day} {row.published:%B %Y}")
    if row.arxiv_id:
        parts.append(f"arXiv:{row.arxiv_id}" + (f"v{row.version}" if row.version else ""))
    if row.upvotes:
        parts.append(f"▲ {row.upvotes}")
    if row.num_comments:
        parts.append(f"{row.num_comments} comment{'s' if row.num_comments != 1 else ''}")
    if row.citekey:
        parts.append(f"<code>{html.escape(row.citekey)}</code>")
    return " · ".join(parts)
