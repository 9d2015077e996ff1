"""The digest's For you section: the range's feed papers this user is likely to keep."""

from __future__ import annotations

import dataclasses

from readinglist.recommend import available
from readinglist.services.digest import Digest, DigestEntry, entry_for
from readinglist.services.library import Library

FOR_YOU = 10  # at most this many, and at most the top third of the range's ranking


def with_for_you(lib: Library, d: Digest, *, limit: int = FOR_YOU) -> Digest:
    """``d`` with its For you section, when the recommend extra is installed and this user has
    kept enough papers to learn from (else ``d`` as it is)."""
    from readinglist.recommend.service import Recommender, feed_ids

    if not available() or not d.has_data:
        return d
    ids: list[int] = []
    day = d.start
    while day <= d.end:
        ids += feed_ids(lib, date=day)[0]
        day = day.fromordinal(day.toordinal() + 1)
    if not ids:
        return d
    rec = Recommender.build(lib)
    ranking = rec.rank(sorted(set(ids)))
    if not ranking.personal:
        return d
    top = ranking.items[: max(1, min(limit, -(-len(ranking.items) // 3)))]
    picked = [
        it
        for it in top
        if not (rec.docs[rec.at[it.paper_id]].kept or rec.docs[rec.at[it.paper_id]].dismissed)
    ]
    rows = {r.id: r for r in lib.get_many([it.paper_id for it in picked])}
    entries: list[DigestEntry] = [
        dataclasses.replace(entry_for(lib, rows[it.paper_id]), reasons=it.reasons) for it in picked
    ]
    return dataclasses.replace(d, for_you=tuple(entries))
