"""The digest where the user reads: an Atom feed file any feed reader follows, and a mail
(text and HTML alternatives in one message) through the user's own SMTP server.

The SMTP password is never stored in the library: it comes from the system keyring (service
``readinglist-smtp``, the SMTP user as the name) when the ``keyring`` package is installed, else
from ``READINGLIST_SMTP_PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from readinglist import __version__
from readinglist.errors import NetworkError, ReadingListError
from readinglist.services.digest import Digest, DigestEntry, render_html, render_markdown, snippet
from readinglist.texdisplay import tex_to_unicode

ATOM = "http://www.w3.org/2005/Atom"
KEYRING_SERVICE = "readinglist-smtp"
PASSWORD_ENV = "READINGLIST_SMTP_PASSWORD"


def _stamp(d: dt.date | dt.datetime) -> str:
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
    return d.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sections(d: Digest) -> list[tuple[str, str, Sequence[DigestEntry]]]:
    out: list[tuple[str, str, Sequence[DigestEntry]]] = [
        ("for-you", "For you", d.for_you),
        ("new", "New papers", d.new),
        ("top", "Top upvoted", d.top),
    ]
    out += [(f"alert:{a.name}", f"Alert: {a.name}", a.papers) for a in d.alerts]
    return out


def render_atom(d: Digest, *, now: dt.datetime | None = None) -> str:
    """The digest as an Atom 1.0 feed: one entry per paper, its sections as categories.

    Entry ids are the papers' arXiv pages (else a ``urn:readinglist`` id), and an entry's
    ``updated`` is the first feed day it was listed on, so a reader shows each paper once.
    """
    ET.register_namespace("", ATOM)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        e = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            e.text = text
        return e

    now = now or dt.datetime.now(dt.UTC)
    feed = ET.Element(f"{{{ATOM}}}feed")
    el(feed, "id", f"urn:readinglist:digest:{d.start.isoformat()}:{d.end.isoformat()}")
    el(feed, "title", f"Reading digest: {d.label}")
    el(feed, "updated", _stamp(now))
    el(el(feed, "author"), "name", "readinglist")
    el(feed, "generator", "readinglist", version=__version__)
    entries: dict[int, tuple[DigestEntry, list[tuple[str, str]], tuple[str, ...]]] = {}
    for term, label, items in _sections(d):
        for e in items:
            slot = entries.setdefault(e.paper.id, (e, [], ()))
            slot[1].append((term, label))
            if e.reasons and not slot[2]:
                entries[e.paper.id] = (slot[0], slot[1], e.reasons)
    for e, cats, reasons in entries.values():
        p = e.paper
        entry = el(feed, "entry")
        el(entry, "id", e.url or f"urn:readinglist:paper:{p.id}")
        el(entry, "title", tex_to_unicode(p.title))
        el(entry, "updated", _stamp(e.first_feed_date or d.end))
        if p.published:
            el(entry, "published", _stamp(p.published))
        for name in p.authors or ("unknown",):
            el(el(entry, "author"), "name", name)
        if e.url:
            el(entry, "link", href=e.url, rel="alternate", type="text/html")
        if e.hf_url:
            el(entry, "link", href=e.hf_url, rel="related", type="text/html")
        for term, label in cats:
            el(entry, "category", term=term, label=label)
        text = snippet(p)
        if reasons:
            text = "; ".join(reasons) + (" — " + text if text else "")
        el(entry, "summary", text or tex_to_unicode(p.title), type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 25
    sender: str = ""
    to: tuple[str, ...] = ()
    user: str | None = None
    starttls: bool = False
    ssl: bool = False


def smtp_password(user: str | None) -> str | None:
    """The password for ``user``: the system keyring first, then the environment."""
    if not user:
        return None
    try:
        import keyring

        found = keyring.get_password(KEYRING_SERVICE, user)
        if found:
            return str(found)
    except Exception:  # no keyring package or no usable backend: fall back to the environment
        pass
    return os.environ.get(PASSWORD_ENV) or None


def keyring_available() -> bool:
    """Whether the ``keyring`` package is installed (its backend may still refuse)."""
    import importlib.util

    return importlib.util.find_spec("keyring") is not None


def store_password(user: str, password: str) -> None:
    """Put ``user``'s SMTP password in the system keyring (never in the library)."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, user, password)
    except Exception as exc:  # no package, or no usable backend on this desktop
        raise ReadingListError(
            f"the system keyring did not take the password ({exc}); set {PASSWORD_ENV} instead"
        ) from exc


def build_message(d: Digest, m: MailSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"Reading digest: {d.label}"
    msg["From"] = m.sender
    msg["To"] = ", ".join(m.to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="readinglist.local")
    msg.set_content(render_markdown(d))
    msg.add_alternative(render_html(d), subtype="html")
    return msg


def send(d: Digest, m: MailSettings, *, timeout: float = 30.0, password: str | None = None) -> EmailMessage:
    """Mail the digest as one multipart/alternative message (Markdown text and HTML).

    ``password``: the one just typed (the settings' test send); else the keyring's or the
    environment's."""
    if not m.to:
        raise ReadingListError("say who gets the digest: --mail-to ADDRESS")
    if not m.sender:
        raise ReadingListError("say who sends the digest: --mail-from ADDRESS")
    msg = build_message(d, m)
    password = password or smtp_password(m.user)
    if m.user and password is None:
        raise ReadingListError(
            f"no SMTP password for {m.user}: store it in the system keyring (service {KEYRING_SERVICE!r}) "
            f"or set {PASSWORD_ENV}"
        )
    try:
        cls = smtplib.SMTP_SSL if m.ssl else smtplib.SMTP
        with cls(m.host, m.port, timeout=timeout) as smtp:
            if m.starttls and not m.ssl:
                smtp.starttls()
            if m.user and password is not None:
                smtp.login(m.user, password)
            smtp.send_message(msg)
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        raise NetworkError(f"could not send the digest through {m.host}:{m.port}: {exc}") from exc
    return msg
