"""For you in the window: the sidebar entry ranks the newest day by what the user kept, the
title's tooltip says why, and the details pane offers tag chips and similar papers, all
computed in workers."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from readinglist.config import Endpoints
from readinglist.recommend.service import Recommender
from readinglist.services.library import Library
from tests import recommend_fixture as fx
from ui.models.papers import COL

DEAD = "http://127.0.0.1:9"


def _lib(tmp_path: Path) -> Library:
    lib = Library.open(
        tmp_path / "lib", Endpoints(hf=DEAD, arxiv=DEAD, arxiv_api=DEAD + "/api", arxiv_delay=0)
    )
    fx.build(lib, later=False)
    return lib


def test_for_you_orders_the_newest_day_and_offers_tags_and_similar_papers(
    qtbot, make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    lib = _lib(tmp_path)
    try:
        win = make_window(lib)
        node = win.sidebar.sidebar.index_of_key("feed:foryou")
        assert node.isValid() and node.data() == "For you"
        win.sidebar.select_key("feed:foryou")
        expected = [it.paper_id for it in Recommender.build(lib).rank(
            [lib.resolve(a) for a in ("2608.17765", "2608.16230", "2608.17019", "2608.15502")]
        ).items]  # fmt: skip
        qtbot.waitUntil(lambda: win.papers.ids == expected, timeout=30000)
        assert win.papers.ids[-1] == lib.resolve("2608.15502")  # the topic this user dismisses, last
        tip = win.papers.index(0, COL["title"]).data(Qt.ItemDataRole.ToolTipRole)
        assert "For you: like" in tip

        # The details pane: why, suggested tags as chips, similar papers.
        panel = win.details.for_you
        depth = lib.resolve("2608.16230")
        win.list.select_id(depth)
        qtbot.waitUntil(
            lambda: panel.paper_id == depth and panel.isVisible() and bool(panel.chip_buttons()),
            timeout=30000,
        )
        assert "For you:" in panel.why.text()
        assert "Similar:" in panel.similar.text()
        chips = {b.text(): b for b in panel.chip_buttons()}
        assert "+ vision" in chips
        chips["+ vision"].click()
        qtbot.waitUntil(lambda: "vision" in lib.get(depth).tags, timeout=10000)
        # The tag is the paper's now, so it is not suggested again once the advice is refreshed.
        qtbot.waitUntil(
            lambda: panel.isVisible() and "+ vision" not in [b.text() for b in panel.chip_buttons()],
            timeout=30000,
        )

        # Leaving For you goes back to the upvote order.
        win.sidebar.select_key("feed:latest")
        qtbot.waitUntil(lambda: win.papers.query.sort == "upvotes" and win.papers.has_loaded, timeout=10000)
        qtbot.waitUntil(
            lambda: [lib.get(i).upvotes for i in win.papers.ids] == [97, 40, 22, 13], timeout=10000
        )
    finally:
        lib.close()
