"""Both themes: text and links meet WCAG AA (4.5:1) on the palette they are drawn on, and every
icon follows a live theme switch (re-tinted from the palette)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QIcon, QPalette

from ui.actions import ActionId
from ui.appearance import apply_appearance, contrast, palette

R = QPalette.ColorRole
PAIRS = [
    (R.Text, R.Base), (R.Text, R.AlternateBase), (R.WindowText, R.Window), (R.ButtonText, R.Button),
    (R.HighlightedText, R.Highlight), (R.ToolTipText, R.ToolTipBase), (R.PlaceholderText, R.Base),
    (R.Link, R.Base), (R.Link, R.Window), (R.LinkVisited, R.Base), (R.Link, R.AlternateBase),
]  # fmt: skip


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_text_and_links_meet_wcag_aa(dark: bool) -> None:
    pal = palette(dark)
    low = {
        f"{fg.name}/{bg.name}": round(contrast(pal.color(fg), pal.color(bg)), 2)
        for fg, bg in PAIRS
        if contrast(pal.color(fg), pal.color(bg)) < 4.5
    }
    assert not low, low


def test_contrast_is_the_wcag_formula() -> None:
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


def _lightness(ic: QIcon) -> float:
    img = ic.pixmap(24, 24).toImage()
    values = [
        img.pixelColor(x, y).lightness()
        for x in range(img.width())
        for y in range(img.height())
        if img.pixelColor(x, y).alpha() > 200
    ]
    assert values, "the icon draws nothing"
    return sum(values) / len(values)


def test_every_icon_follows_a_live_theme_switch(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from ui.views.icons import THEMED

    window.ctx.bus.warning("shown, so its close button has an icon")
    search_action = next(a for a in window.search.actions() if a.property(THEMED))
    icons = {
        "save": lambda: window.details.save_btn.icon(),
        "lists": lambda: window.details.lists_btn.icon(),
        "pdf": lambda: window.details.pdf_btn.icon(),
        "search": search_action.icon,
        "banner ×": lambda: window.notice.close_btn.icon(),
        "toolbar": lambda: window.actions_[ActionId.SYNC_NOW].icon(),
    }
    assert all(_lightness(get()) < 110 for get in icons.values())  # dark ink on the light theme
    apply_appearance(window.ctx.settings, "dark")
    try:
        light_on_dark = {name: _lightness(get()) for name, get in icons.items()}
        assert all(v > 150 for v in light_on_dark.values()), light_on_dark
    finally:
        apply_appearance(window.ctx.settings, "light")
