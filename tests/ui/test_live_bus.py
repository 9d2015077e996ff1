"""The app's bus hears other members' changes on a library on a server (PostgreSQL)."""

from __future__ import annotations

import pytest

from readinglist.records import PaperMeta
from readinglist.services import papers
from readinglist.services.library import Library

pytestmark = pytest.mark.backends


def test_a_tag_by_another_member_reaches_the_bus_within_two_seconds(blib: Library, qtbot) -> None:  # type: ignore[no-untyped-def]
    if not blib.is_shared:
        pytest.skip("live updates are a server's (PostgreSQL)")
    from ui.bus import Bus

    (pid,), _ = papers.upsert(blib, [PaperMeta(title="Shared", arxiv_id="2401.00001")], save=True)
    bus = Bus()
    bus.attach(blib)
    other = Library.open(blib.root, database_url=blib.database_url)  # member A, another session
    try:
        with qtbot.waitSignal(bus.changed, timeout=2000) as got:
            papers.tag(other, [pid], ["from-a"])
        assert pid in got.args[0].papers and got.args[0].tags
        assert "from-a" in blib.get(pid).tags
    finally:
        bus.detach()
        other.close()
