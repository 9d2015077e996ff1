"""Read and write real PDF annotations with PyMuPDF (text selections: :mod:`.textsel`).

All geometry is in PyMuPDF's unrotated page space (what ``get_text`` and ``Annot.vertices``
report, and what the ``add_*_annot`` methods expect, whatever the page's /Rotate). Callers keep
PyMuPDF on one thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from readinglist.errors import PdfError
from readinglist.pdf.textsel import Word, page_words, quote_words
from readinglist.records import ANNOTATION_KINDS, AnnotationRecord, Point, Rect

OWN_PREFIX = "readinglist-"  # the /NM (annotation name) of every annotation we write starts so
DEFAULT_COLOR = "#ffd400"

_MARKUP = ("highlight", "underline", "strikeout")
# PDF /Subtype -> our kind; Link, Widget, Popup, Line, Stamp ... are not imported.
_IMPORTED_KIND = dict(
    Highlight="highlight", Underline="underline", Squiggly="underline", StrikeOut="strikeout",
    Text="note", FreeText="note", Ink="ink", Square="rectangle",
)  # fmt: skip
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_PDF_DATE_RE = re.compile(
    r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+\-])(\d{2})?'?(\d{2})?'?)?"
)

# pymupdf.open raises FileDataError (a RuntimeError); deeper MuPDF calls can raise
# mupdf.FzErrorBase, which derives from Exception only.
_MUPDF_ERRORS = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)


# --- colours, dates, identity -------------------------------------------------------------------


def _rgb(color: str) -> tuple[float, float, float]:
    if not _COLOR_RE.match(color):
        raise PdfError(f"annotation colour {color!r} is not of the form #rrggbb")
    return tuple(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(components: Sequence[float] | None) -> str | None:
    """PDF colour (gray, RGB or CMYK components in 0..1) as #rrggbb; None when unset."""
    c = list(components or ())
    if len(c) == 1:
        rgb = [c[0]] * 3
    elif len(c) == 3:
        rgb = c
    elif len(c) == 4:
        rgb = [(1 - min(1.0, x + c[3])) for x in c[:3]]
    else:
        return None
    return "#" + "".join(f"{round(min(max(x, 0.0), 1.0) * 255):02x}" for x in rgb)


def _pdf_date(value: dt.datetime) -> str:
    utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return f"D:{utc:%Y%m%d%H%M%S}Z"


def parse_pdf_date(text: str) -> dt.datetime | None:
    """``D:YYYYMMDDHHmmSS`` with optional ``Z`` / ``+HH'mm'`` as an aware UTC datetime."""
    m = _PDF_DATE_RE.match(text.strip())
    if not m:
        return None
    year, month, day, hour, minute, second, sign, oh, om = m.groups()
    try:
        value = dt.datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        return None
    offset = dt.timedelta(hours=int(oh or 0), minutes=int(om or 0))
    if sign == "-":
        offset = -offset
    # No zone given: the PDF spec leaves it unknown; UTC is the least surprising reading.
    zone = dt.timezone(offset) if sign in ("+", "-") else dt.UTC
    return value.replace(tzinfo=zone).astimezone(dt.UTC)


def _own_id(name: str) -> int | None:
    m = re.fullmatch(re.escape(OWN_PREFIX) + r"(\d+)", name)
    return int(m.group(1)) if m else None


def fingerprint(page: int, kind: str, rects: Sequence[Rect], comment: str) -> str:
    """A stable sha1 of what identifies an imported annotation (rects rounded to 1 pt)."""
    key = [page, kind, [[round(v) for v in r] for r in rects], comment]
    return hashlib.sha1(json.dumps(key, separators=(",", ":")).encode()).hexdigest()


# --- opening and saving -------------------------------------------------------------------------


@contextlib.contextmanager
def _open(path: Path) -> Iterator[pymupdf.Document]:
    path = Path(path)
    if not path.is_file():
        raise PdfError(f"PDF not found: {path}")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except _MUPDF_ERRORS as exc:
        raise PdfError(f"{path} is not a readable PDF ({exc})") from exc
    try:
        if doc.needs_pass:
            raise PdfError(f"{path} is password-protected; remove the password to annotate it")
        if doc.page_count == 0:
            raise PdfError(f"{path} has no pages")
        yield doc
    except _MUPDF_ERRORS as exc:
        raise PdfError(f"could not process {path}: {exc}") from exc
    finally:
        doc.close()


def _save_atomically(doc: pymupdf.Document, dst: Path, mode_from: Path) -> None:
    """Save to a temp file beside ``dst``, fsync, then os.replace: dst is never half-written."""
    folder = dst.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise PdfError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        os.close(fd)
        # garbage=1 drops the objects of annotations we deleted; no recompression (fast).
        doc.save(tmp, garbage=1)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        mode = (dst if dst.exists() else mode_from).stat().st_mode
        os.chmod(tmp, stat.S_IMODE(mode))
        os.replace(tmp, dst)
    except (OSError, *_MUPDF_ERRORS) as exc:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"could not write {dst}: {exc}") from exc


# --- writing -------------------------------------------------------------------------------------


def _quads(page: pymupdf.Page, rects: Sequence[Rect]) -> list[pymupdf.Quad]:
    """Quads oriented as the reader sees the page.

    A quad's corner order says where the line's top and bottom are: Underline and StrikeOut
    appearances are drawn along its lower/middle edge. On a /Rotate 90 page the unrotated
    rect's own quad would put the underline beside the text, so take the quad in viewing space
    and map its corners back with the derotation matrix.
    """
    to_view, from_view = page.rotation_matrix, page.derotation_matrix
    return [(pymupdf.Rect(r) * to_view).quad * from_view for r in rects]


def _add(page: pymupdf.Page, rec: AnnotationRecord) -> pymupdf.Annot | None:
    if rec.kind in _MARKUP:
        if not rec.rects:
            raise PdfError(f"{rec.kind} on page {rec.page + 1} has no rectangles")
        # page.add_highlight_annot / add_underline_annot / add_strikeout_annot
        add: Callable[[list[pymupdf.Quad]], pymupdf.Annot | None] = getattr(page, f"add_{rec.kind}_annot")
        return add(_quads(page, rec.rects))
    if rec.kind == "note":
        if not rec.rects:
            raise PdfError(f"note on page {rec.page + 1} has no position")
        x0, y0 = rec.rects[0][:2]
        # MuPDF gives a Text annotation a /Popup and the flags Print|NoZoom|NoRotate: on a
        # rotated page its unrotated upper-left corner stays put and the icon stays upright
        # (PDF 32000 §12.5.3), so the anchor is the rect's unrotated top-left.
        return page.add_text_annot((x0, y0), rec.comment, icon="Note")
    if rec.kind == "ink":
        strokes = [[tuple(p) for p in s] for s in rec.ink if s]
        if not strokes:
            raise PdfError(f"ink on page {rec.page + 1} has no strokes")
        return page.add_ink_annot(strokes)
    if rec.kind == "rectangle":
        if not rec.rects:
            raise PdfError(f"rectangle on page {rec.page + 1} has no box")
        return page.add_rect_annot(pymupdf.Rect(rec.rects[0]))
    raise PdfError(f"unknown annotation kind {rec.kind!r}; expected one of {', '.join(ANNOTATION_KINDS)}")


def _own_xrefs(page: pymupdf.Page) -> list[int]:
    return [a.xref for a in page.annots() if a.info.get("id", "").startswith(OWN_PREFIX)]


@dataclass(frozen=True)
class _Found:
    """What identifies an annotation another viewer (or we) left in a PDF."""

    kind: str
    own: bool
    rects: tuple[Rect, ...]
    ink: tuple[tuple[Point, ...], ...]
    comment: str

    def fingerprint(self, page: int) -> str:
        return fingerprint(page, self.kind, self.rects, self.comment)


def _identify(doc: pymupdf.Document, annot: pymupdf.Annot) -> _Found | None:
    """The annotation as :func:`read_annotations` sees it; None for kinds it skips."""
    kind = _IMPORTED_KIND.get(annot.type[1])
    if kind is None:
        return None
    if annot.type[1] == "Text" and _is_review_state(doc, annot):
        return None
    rects, ink = _rects_of(annot, kind)
    if not rects:
        return None
    info = annot.info
    own = info.get("id", "").startswith(OWN_PREFIX)
    return _Found(kind, own, rects, ink, (info.get("content") or "").strip())


def remove_annotations(page: pymupdf.Page, *, own: bool, fingerprints: Collection[str] = ()) -> int:
    """Delete from ``page`` the annotations we wrote (with ``own``) and the foreign ones whose
    fingerprint is in ``fingerprints``; returns how many went. The page must be reloaded after."""
    doc = page.parent
    doomed = []
    for annot in page.annots():
        if own and annot.info.get("id", "").startswith(OWN_PREFIX):
            doomed.append(annot.xref)
        elif fingerprints:
            found = _identify(doc, annot)
            if found is not None and not found.own and found.fingerprint(page.number) in fingerprints:
                doomed.append(annot.xref)
    for xref in doomed:
        page.delete_annot(page.load_annot(xref))
    return len(doomed)


def write_annotations(
    src: Path,
    dst: Path,
    annotations: Sequence[AnnotationRecord],
    *,
    replace_own: bool = True,
    drop_foreign: Collection[str] = (),
) -> int:
    """Write a copy of ``src`` to ``dst`` (may be the same file) with the annotations added.

    With ``replace_own`` the annotations readinglist wrote before are removed first, so a second
    export does not duplicate them. Other viewers' annotations are kept, except those whose
    fingerprint is in ``drop_foreign`` (the caller writes its own version of them, or the user
    deleted them). Returns the count written.
    """
    src, dst = Path(src), Path(dst)
    if dst.is_symlink():  # replace the file the link points to, not the link
        dst = dst.resolve()
    now = dt.datetime.now(dt.UTC)
    drop = frozenset(drop_foreign)
    with _open(src) as doc:
        for page in doc:
            remove_annotations(page, own=replace_own, fingerprints=drop)
        for n, rec in enumerate(annotations):
            if not 0 <= rec.page < doc.page_count:
                raise PdfError(f"annotation on page {rec.page + 1} but {src.name} has {doc.page_count} pages")
            rgb = _rgb(rec.color)
            page = doc[rec.page]
            annot = _add(page, rec)
            if annot is None:  # PyMuPDF returns None instead of raising for unusable quads
                raise PdfError(f"could not add the {rec.kind} on page {rec.page + 1}")
            annot.set_colors(stroke=rgb)
            created = rec.created or now
            annot.set_info(
                content=rec.comment or None,
                creationDate=_pdf_date(created),
                modDate=_pdf_date(rec.modified or created),
            )
            annot.update()
            # PyMuPDF names every new annotation "fitz-A<n>" in /NM and has no setter for it
            # (set_name sets the *icon* /Name; TOOLS.set_annot_stem is process-global), so
            # write the key straight into the annotation dictionary; Annot.info["id"] reads it.
            name = f"{OWN_PREFIX}{rec.id}" if rec.id is not None else f"{OWN_PREFIX}new-{n}"
            doc.xref_set_key(annot.xref, "NM", pymupdf.get_pdf_str(name))
        _save_atomically(doc, dst, mode_from=src)
    return len(annotations)


# --- reading ------------------------------------------------------------------------------------


def _rects_of(annot: pymupdf.Annot, kind: str) -> tuple[tuple[Rect, ...], tuple[tuple[Point, ...], ...]]:
    """(rects, ink strokes) of an annotation in unrotated page space."""
    if kind == "ink":
        strokes = tuple(tuple((float(x), float(y)) for x, y in s) for s in annot.vertices or () if s)
        pts = [p for s in strokes for p in s]
        if not pts:
            return (), ()
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return ((min(xs), min(ys), max(xs), max(ys)),), strokes
    r = annot.rect
    if kind in _MARKUP:
        pts = annot.vertices or []
        quads = [pts[i : i + 4] for i in range(0, len(pts) - 3, 4)]
        if quads:
            rects = tuple(
                (min(p[0] for p in q), min(p[1] for p in q), max(p[0] for p in q), max(p[1] for p in q))
                for q in quads
            )
            return rects, ()
    elif kind == "rectangle" and annot.rect_delta:
        # /Rect includes the border; /RD says how far inside it the drawn box sits.
        r = pymupdf.Rect(*(a + d for a, d in zip(r, annot.rect_delta, strict=True)))
    return ((r.x0, r.y0, r.x1, r.y1),), ()


def _is_review_state(doc: pymupdf.Document, annot: pymupdf.Annot) -> bool:
    """Acrobat's "Accepted/Rejected" marks are Text annotations with a /StateModel, not notes."""
    return doc.xref_get_key(annot.xref, "StateModel")[0] != "null"


def read_annotations(path: Path, *, include_own: bool = False) -> list[AnnotationRecord]:
    """The annotations in a PDF as records, in page order (links, widgets, popups ignored).

    Our own annotations (``/NM`` starting with ``readinglist-``) are skipped unless
    ``include_own``; records get ``id=None`` except own ones whose name carries an id.
    """
    out: list[AnnotationRecord] = []
    with _open(Path(path)) as doc:
        for page in doc:
            words: list[Word] | None = None
            for annot in page.annots():
                found = _identify(doc, annot)
                if found is None or (found.own and not include_own):
                    continue
                kind, rects = found.kind, found.rects
                text = ""
                if kind in _MARKUP:
                    words = page_words(page) if words is None else words
                    text = quote_words(words, rects)
                info, colors = annot.info, annot.colors
                color = _hex(colors.get("stroke")) or _hex(colors.get("fill")) or DEFAULT_COLOR
                created = parse_pdf_date(info.get("creationDate") or "")
                modified = parse_pdf_date(info.get("modDate") or "")
                out.append(
                    AnnotationRecord(
                        id=_own_id(info.get("id", "")) if found.own else None,
                        page=page.number,
                        kind=kind,
                        color=color,
                        rects=rects,
                        ink=found.ink,
                        text=text,
                        comment=found.comment,
                        created=created or modified,
                        modified=modified or created,
                        fingerprint=found.fingerprint(page.number),
                    )
                )
    return out


def has_own_annotations(path: Path) -> bool:
    """Whether readinglist has written annotations into this PDF before."""
    with _open(Path(path)) as doc:
        return any(_own_xrefs(page) for page in doc)
