"""arXiv identifiers: parse, check and format them, from an id, an ``arXiv:`` id or a URL.

Apart from :mod:`readinglist.sources.arxiv` (the API client) so that the commands that look a
paper up by its id (``show 2405.20204``, ``tag KEY``) do not load the HTTP stack (requests and
its TLS, 0.1 s of a command's start).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from readinglist.errors import InvalidIdentifier
from readinglist.sources.archives import OLD_ARCHIVES

__all__ = ["format_id", "is_arxiv_id", "parse_id"]

_NEW_ID = re.compile(r"(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<num>\d{4,5})(?:v(?P<v>[1-9]\d{0,5}))?")
_OLD_ID = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z]+(?:-[a-z]+)?)?/"
    r"(?P<yy>\d\d)(?P<mm>\d\d)(?P<num>\d{3})(?:v(?P<v>[1-9]\d{0,5}))?",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"arxiv:\s*", re.IGNORECASE)
_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co"})
_ARXIV_PATHS = ("/abs/", "/pdf/", "/html/")
_HOST_START = re.compile(r"(?:www\.|export\.)?(?:arxiv\.org|huggingface\.co)/", re.IGNORECASE)


def _invalid(text: str, why: str = "") -> InvalidIdentifier:
    reason = f": {why}" if why else ""
    return InvalidIdentifier(
        f"{text!r} is not an arXiv id or URL{reason} (expected e.g. 2405.20204 or hep-th/9901001)"
    )


def _unwrap(text: str) -> str:
    """The bare id from an ``arXiv:`` prefix or an arxiv.org / huggingface.co/papers URL."""
    prefix = _PREFIX.match(text)
    if prefix:
        return text[prefix.end() :]
    if _HOST_START.match(text):
        text = "https://" + text
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return text
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if parts.scheme.lower() not in ("http", "https"):
        return text
    if host in _ARXIV_HOSTS:
        for start in _ARXIV_PATHS:
            if path.startswith(start):
                bare = path[len(start) :]
                return bare[:-4] if start == "/pdf/" and bare.endswith(".pdf") else bare
    if host in _HF_HOSTS and path.startswith("/papers/"):
        return path[len("/papers/") :]
    return text


def _check_new(text: str, m: re.Match[str]) -> None:
    yymm, digits = int(m["yy"] + m["mm"]), len(m["num"])
    if digits == 4 and not 704 <= yymm <= 1412:
        raise _invalid(text, "4-digit numbers were used from 0704 to 1412 only")
    if digits == 5 and yymm < 1501:
        raise _invalid(text, "5-digit numbers are used from 1501 on")


def _check_old(text: str, m: re.Match[str]) -> None:
    if m["archive"].lower() not in OLD_ARCHIVES:
        raise _invalid(text, f"unknown archive {m['archive']!r}")
    yy = int(m["yy"])
    yymm = (1900 + yy if yy >= 91 else 2000 + yy) * 100 + int(m["mm"])
    if not 199107 <= yymm <= 200703:
        raise _invalid(text, "old-style ids run from 9107 to 0703")


def parse_id(text: str) -> tuple[str, int | None]:
    """Normalized arXiv id (no version) and the version, from an id, ``arXiv:`` id or URL.

    Old-style ids lose their subject class (``math.GT/0309136`` is ``math/0309136``), as arXiv
    treats it as no part of the identifier. Raises :class:`InvalidIdentifier`.
    """
    if not isinstance(text, str):
        raise _invalid(str(text))
    stripped = text.strip()
    bare = _unwrap(stripped)
    new, old = _NEW_ID.fullmatch(bare), _OLD_ID.fullmatch(bare)
    match = new or old
    if match is None:
        raise _invalid(stripped)
    if not 1 <= int(match["mm"]) <= 12:
        raise _invalid(stripped, f"month {match['mm']} does not exist")
    if int(match["num"]) == 0:
        raise _invalid(stripped, "arXiv numbers start at 1")
    version = int(match["v"]) if match["v"] else None
    if new is not None:
        _check_new(stripped, new)
        return f"{new['yy']}{new['mm']}.{new['num']}", version
    assert old is not None
    _check_old(stripped, old)
    return f"{old['archive'].lower()}/{old['yy']}{old['mm']}{old['num']}", version


def is_arxiv_id(text: str) -> bool:
    """True when :func:`parse_id` accepts ``text`` (an id, ``arXiv:`` id or arXiv/HF URL)."""
    try:
        parse_id(text)
    except InvalidIdentifier:
        return False
    return True


def format_id(arxiv_id: str, version: int | None) -> str:
    """``2405.20204`` plus ``v2`` when a version is given."""
    return f"{arxiv_id}v{version}" if version else arxiv_id
