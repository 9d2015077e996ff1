"""Operations on papers: triage (save, dismiss, star, status, rating), notes, tags, adding,
deleting. Each is one :meth:`Library.change` and one undo step.

Working on a paper keeps it (as in Zotero, you keep what you touch): tagging, noting, starring,
rating, listing, annotating or downloading a paper saves it. Dismissing a paper you worked on
asks nothing; it is undoable like everything else.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, select, text, update

from readinglist.db.schema import Paper, PaperTag, Tag, utcnow
from readinglist.errors import NotFoundError, ReadingListError, StaleWriteError
from readinglist.records import Changes, PaperMeta
from readinglist.services import ingest
from readinglist.services.library import STATUSES, Library
from readinglist.services.unit import Transaction
from readinglist.textutil import plural

NOTE_COALESCE = "note:{}"


def describe(tx: Transaction, ids: Sequence[int]) -> str:
    """How a step names its papers: the citation key of one paper, or "N papers"."""
    ids = list(dict.fromkeys(ids))
    if len(ids) == 1:
        key = tx.session.execute(select(Paper.citekey).where(Paper.id == ids[0])).scalar_one_or_none()
        return key or f"paper #{ids[0]}"
    return plural(len(ids), "paper")


def check_papers(tx: Transaction, ids: Sequence[int]) -> list[int]:
    """The ids, deduplicated; NotFoundError (and nothing changed) if one is not in the library."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    found = tx.session.execute(select(func.count()).where(Paper.id.in_(ids))).scalar_one() if ids else 0
    if found != len(ids):
        raise NotFoundError("some of these papers are not in the library; nothing was changed")
    return ids


def keep(tx: Transaction, ids: Sequence[int]) -> None:
    """Save papers the user worked on (and bring them back from Dismissed)."""
    if not ids:
        return
    tx.capture_papers(ids)
    tx.session.execute(
        update(Paper)
        .where(Paper.id.in_(list(ids)), (Paper.saved.is_(False)) | (Paper.dismissed.is_(True)))
        .values(saved=True, dismissed=False, modified_at=utcnow())
    )


def _set(lib: Library, label: str, ids: Sequence[int], *, touch: bool = False, **values: object) -> Changes:
    ids = list(ids)
    if not ids:
        return Changes()
    with lib.change(label) as tx:
        ids = check_papers(tx, ids)
        tx.relabel(f"{label} {describe(tx, ids)}")
        tx.capture_papers(ids)
        if touch:
            keep(tx, ids)
        set_fields(tx, ids, **values)
    return tx.changes


def set_fields(tx: Transaction, ids: Sequence[int], **values: object) -> None:
    """Set the papers' columns inside a change (captured for undo first; no-op if captured)."""
    tx.capture_papers(ids)
    tx.session.execute(update(Paper).where(Paper.id.in_(list(ids))).values(**values, modified_at=utcnow()))


def save(lib: Library, ids: Sequence[int], saved: bool = True) -> Changes:
    if saved:
        return _set(lib, "Save", ids, saved=True, dismissed=False)
    return _set(lib, "Remove from library", ids, saved=False)


def dismiss(lib: Library, ids: Sequence[int], dismissed: bool = True) -> Changes:
    return _set(lib, "Dismiss" if dismissed else "Restore", ids, dismissed=dismissed)


def star(lib: Library, ids: Sequence[int], starred: bool = True) -> Changes:
    return _set(lib, "Star" if starred else "Unstar", ids, touch=starred, starred=starred)


def set_status(lib: Library, ids: Sequence[int], status: str) -> Changes:
    if status not in STATUSES:
        raise ReadingListError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    return _set(lib, f"Mark {status}:", ids, touch=True, status=status)


def set_rating(lib: Library, ids: Sequence[int], rating: int) -> Changes:
    if not 0 <= rating <= 5:
        raise ReadingListError("rating must be between 0 and 5")
    return _set(lib, f"Rate {rating}/5:", ids, touch=rating > 0, rating=rating)


def set_note(lib: Library, paper_id: int, note: str, *, base_version: int | None = None) -> Changes:
    """Replace a paper's note. Typing in the editor saves often; edits within a minute are one step.

    With ``base_version`` (the :func:`note_state` version the text was edited from), a note
    somebody else wrote since is not overwritten: :class:`StaleWriteError`, nothing applied."""
    with lib.change("Edit note", coalesce=NOTE_COALESCE.format(paper_id)) as tx:
        _write_note(tx, paper_id, lambda _old: note, base_version=base_version)
    return tx.changes


def append_note(lib: Library, paper_id: int, addition: str) -> Changes:
    """Add a paragraph to a paper's note. Read and written under the write lock, so two
    processes appending at once both keep their lines."""
    with lib.change("Add to note") as tx:
        _write_note(tx, paper_id, lambda old: old + _separator(old) + addition.rstrip() + "\n")
    return tx.changes


def _separator(note: str) -> str:
    if not note:
        return ""
    return "\n" if note.endswith("\n\n") or note.endswith("\n") else "\n\n"


def note_state(lib: Library, paper_id: int) -> tuple[str, int]:
    """A paper's note and its version (every write of the note raises the version by one)."""
    with lib.read() as s:
        row = s.execute(select(Paper.note, Paper.note_version).where(Paper.id == paper_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no paper #{paper_id} in the library")
    return str(row[0] or ""), int(row[1] or 0)


def _write_note(
    tx: Transaction, paper_id: int, edit: Callable[[str], str], *, base_version: int | None = None
) -> None:
    # Read under the write lock (the change holds it): the version compared is the one written over.
    row = tx.session.execute(select(Paper.note, Paper.note_version).where(Paper.id == paper_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no paper #{paper_id} in the library")
    old, version = row[0], int(row[1] or 0)
    if base_version is not None and base_version != version:
        raise StaleWriteError(
            f"the note of #{paper_id} changed since you opened it (version {base_version}, now "
            f"{version}); your text was not saved over it. Read the note again, merge, and save."
        )
    tx.relabel(f"{tx.label} of {describe(tx, [paper_id])}")
    tx.capture_papers([paper_id])
    new = edit(old or "")
    if new == old:
        return
    if new.strip():
        keep(tx, [paper_id])
    tx.session.execute(
        update(Paper)
        .where(Paper.id == paper_id)
        .values(note=new, note_version=version + 1, note_author=tx.member, modified_at=utcnow())
    )


def check_tag_names(tags: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    for t in names:
        if len(t) > 100 or any(c in t for c in ",\n\t"):
            raise ReadingListError(f"{t!r} is not a usable tag name (no commas, tabs or new lines)")
    return names


def tag(lib: Library, ids: Sequence[int], tags: Sequence[str], *, remove: bool = False) -> Changes:
    """Add tags to papers (creating the tags), or remove them."""
    names = check_tag_names(tags)
    if not ids or not names:
        return Changes()
    verb = "Untag" if remove else "Tag"
    with lib.change(verb) as tx:
        add_tags(tx, ids, names, remove=remove)
    return tx.changes


def add_tags(tx: Transaction, ids: Sequence[int], names: Sequence[str], *, remove: bool = False) -> None:
    """Tag papers inside a change (other operations compose with it)."""
    s = tx.session
    ids = check_papers(tx, ids)
    tx.relabel(
        f"{'Untag' if remove else 'Tag'} {describe(tx, ids)} {'−' if remove else '+'} {', '.join(names)}"
    )
    tx.capture_papers(ids, children=("paper_tags",))
    tag_ids = []
    for name in names:
        t = s.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
        if t is None:
            if remove:
                continue
            t = Tag(name=name)
            s.add(t)
            s.flush()
            tx.created("tags", [t.id])
        tag_ids.append(t.id)
    if remove:
        s.execute(delete(PaperTag).where(PaperTag.paper_id.in_(ids), PaperTag.tag_id.in_(tag_ids)))
    else:
        keep(tx, ids)
        s.execute(
            text("INSERT INTO paper_tags(paper_id, tag_id) VALUES (:p, :t) ON CONFLICT DO NOTHING"),
            [{"p": p, "t": t} for p in ids for t in tag_ids],
        )
        # Tagging by hand what auto-tagging guessed makes the tag the user's own.
        s.execute(
            update(PaperTag)
            .where(PaperTag.paper_id.in_(ids), PaperTag.tag_id.in_(tag_ids), PaperTag.auto.is_(True))
            .values(auto=False)
        )
    s.execute(update(Paper).where(Paper.id.in_(ids)).values(modified_at=utcnow()))
    tx.touched(papers=ids, tags=True)


def upsert(
    lib: Library, metas: Sequence[PaperMeta], *, save: bool = False, fill_only: bool = False
) -> tuple[list[int], Changes]:
    """Insert or update papers from metadata. ``save`` marks them saved (new and old)."""
    with lib.change(f"Add {plural(len(metas), 'paper')}") as tx:
        res = ingest.upsert_papers(tx, metas, make_key=lib.make_citekey, fill_only=fill_only)
        if save and res.ids:
            keep(tx, res.ids)
    return res.ids, tx.changes


def add(lib: Library, idents: Sequence[str], *, cancelled: Callable[[], bool] | None = None) -> list[int]:
    """Fetch arXiv metadata for ids/URLs and save the papers. Returns their ids."""
    from readinglist.sources.arxiv import ArxivClient
    from readinglist.sources.arxiv_ids import format_id, parse_id

    parsed = [parse_id(i) for i in idents]
    client = ArxivClient(lib.http, lib.endpoints.arxiv_api, lib.endpoints.arxiv_delay)
    metas = client.fetch([format_id(a, v) for a, v in parsed], cancelled=cancelled)
    found = {m.arxiv_id for m in metas}
    missing = [format_id(a, v) for a, v in parsed if a not in found]
    if missing:
        raise NotFoundError(f"arXiv does not know {', '.join(missing)}; nothing was added")
    ids, _ = upsert(lib, metas, save=True)
    return ids


def delete_papers(lib: Library, ids: Sequence[int]) -> Changes:
    """Delete papers with their tags, list places, notes, annotations and PDFs (undoable: the
    PDFs wait in ``undone/`` until the step is redone or forgotten)."""
    from readinglist.db.schema import Attachment
    from readinglist.services.history import UNDONE_DIR

    if not ids:
        return Changes()
    with lib.change("Delete") as tx:
        ids = check_papers(tx, ids)
        tx.relabel(f"Delete {describe(tx, ids)}")
        tx.capture_whole_papers(ids)
        paths = list(
            tx.session.execute(select(Attachment.path).where(Attachment.paper_id.in_(ids))).scalars()
        )
        tx.session.execute(delete(Paper).where(Paper.id.in_(ids)))
        tx.touched(papers=ids, tags=True, lists=True, searches=True, feed=True)

        def park() -> None:
            for rel in paths:
                src = lib.root / rel
                if src.is_file():
                    (lib.root / UNDONE_DIR).mkdir(exist_ok=True)
                    shutil.move(str(src), str(lib.root / UNDONE_DIR / src.name))

        tx.after_commit(park)
    return tx.changes
