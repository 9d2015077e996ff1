"""The details pane: TeX shown as Unicode, the AI summary and links, the notes preview and
its splitter, and a real empty state when no paper is selected."""

from __future__ import annotations

from pathlib import Path

from readinglist.records import PaperMeta
from readinglist.services import papers
from readinglist.services.library import Library
from ui.models.papers import COL
from ui.views.notes import NotesEditor

RAW_TITLE = r"Sparse Attention in $O(n \log n)$ Beats 50\% of Dense Models"
RAW_ABSTRACT = r"We show an \emph{honest} gain of $10^{-3}$ in loss, with $\alpha = 2$."


def _tex_paper(lib: Library) -> int:
    meta = PaperMeta(
        title=RAW_TITLE,
        authors=("Ada Lovelace",),
        arxiv_id="2401.00042",
        abstract=RAW_ABSTRACT,
        ai_summary=r"Sparse routing costs $O(n)$ and saves 40\% of memory.",
        github_repo="https://github.com/example/sparse",
        project_page="https://example.org/sparse/",
    )
    ids, _ = papers.upsert(lib, [meta], save=True)
    return ids[0]


def test_tex_shows_as_unicode_in_the_list_and_the_details(make_window, lib) -> None:  # type: ignore[no-untyped-def]
    pid = _tex_paper(lib)
    win = make_window(lib)  # no feed yet: the window falls back to the Library view
    assert win.list.current_id() == pid
    shown = win.papers.index(0, COL["title"]).data()
    assert shown == "Sparse Attention in O(n log n) Beats 50% of Dense Models"
    d = win.details
    assert "O(n log n)" in d.title.text() and "\\log" not in d.title.text()
    text = d.abstract.toPlainText()
    assert "We show an honest gain of 10⁻³ in loss, with α = 2." in text
    assert "AI summary" in text and "saves 40% of memory" in text
    assert "GitHub" in d.links.text() and "Project page" in d.links.text()
    assert lib.get(pid).title == RAW_TITLE  # the stored text is the source's


def test_notes_preview_renders_code_links_and_math_without_raw_html(qtbot) -> None:  # type: ignore[no-untyped-def]
    notes = NotesEditor(lambda _pid, _text: None)
    qtbot.addWidget(notes)
    notes.set_paper(1, "")
    notes.edit.setPlainText(
        "Check `a < b && c` first, <b>raw</b> stays text.\n\n"
        "```\nif a < b && c:\n    pass\n```\n\n"
        "See <https://arxiv.org/abs/2401.00042> and https://example.org/x\n\n"
        "Cost $O(n^2)$, and $5 is money."
    )
    qtbot.waitUntil(lambda: "Check" in notes.preview.toPlainText())
    plain = notes.preview.toPlainText()
    assert "a < b && c" in plain and "&lt;" not in plain and "&amp;" not in plain
    assert "<b>raw</b>" in plain  # typed HTML is shown, never interpreted
    assert "if a < b && c:" in plain
    page = notes.preview.toHtml()
    assert 'href="https://arxiv.org/abs/2401.00042"' in page  # an autolink
    assert 'href="https://example.org/x"' in page  # a bare URL
    assert "O(n²)" in plain and "$O(n^2)$" not in plain
    assert "$5 is money" in plain


def test_the_notes_get_real_room_and_the_split_is_remembered(
    qtbot, make_window, demo_lib, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ini = tmp_path / "split.ini"
    win = make_window(demo_lib, settings_path=ini)
    d = win.details
    assert d.notes.height() >= 0.3 * d.splitter.height()  # not a ~100 px strip
    win.resize(760, 700)  # fits the offscreen screen, so the restored geometry is the same
    qtbot.waitUntil(lambda: win.details.splitter.height() < 700)
    total = sum(d.splitter.sizes())
    d.splitter.setSizes([total // 4, total - total // 4])
    wanted = d.splitter.sizes()
    win.close()
    again = make_window(demo_lib, settings_path=ini)
    assert again.size() == win.size()
    got = again.details.splitter.sizes()
    assert abs(got[1] - wanted[1]) <= 2, (got, wanted)


def test_no_selection_shows_an_empty_state_not_the_last_papers_buttons(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    d = window.details
    saved = next(
        r for r in range(window.papers.rowCount()) if window.papers.row(r) and window.papers.row(r).saved
    )
    window.list.select_row(saved)
    qtbot.waitUntil(lambda: d.save_btn.isChecked())
    window.list.selectionModel().clearCurrentIndex()
    window.list.clearSelection()
    qtbot.waitUntil(lambda: d.row is None)
    assert d.empty.isVisible()
    assert not d.save_btn.isVisible() and not d.star_btn.isVisible() and not d.status.isVisible()
    assert not d.save_btn.isChecked()
    assert "No paper selected" in d.empty.title.text()


def test_a_note_by_another_member_says_whose_it_is(qtbot, make_window, lib) -> None:  # type: ignore[no-untyped-def]
    pid = _tex_paper(lib)
    me = lib.member
    lib.member = "bea"
    papers.set_note(lib, pid, "Bea's reading of it.")
    lib.member = me
    win = make_window(lib)
    notes = win.details.notes
    assert notes.paper_id == pid and notes.byline.isVisibleTo(notes)
    assert notes.byline.text() == "note by bea"
    papers.set_note(lib, pid, "My own reading now.")  # the user's write: no byline
    qtbot.waitUntil(lambda: notes.edit.toPlainText() == "My own reading now.", timeout=5000)
    assert not notes.byline.isVisibleTo(notes)
