"""The app's look: the Fusion style, a light or dark palette, the stylesheets and the font size.

Applied at start and again after a change in Settings (or when the desktop switches theme).
"""

from __future__ import annotations

from PySide6.QtCore import QFile
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from ui import settings as keys
from ui.settings import Settings
from ui.views import icons

_SYSTEM_FONT_PT: float | None = None


def palette(dark: bool) -> QPalette:
    """A restrained palette on the Fusion style: slate greys, one blue accent."""
    if dark:
        colors = {
            QPalette.ColorRole.Window: "#1f2329", QPalette.ColorRole.WindowText: "#e6e8eb",
            QPalette.ColorRole.Base: "#181b20", QPalette.ColorRole.AlternateBase: "#1d2026",
            QPalette.ColorRole.Text: "#e6e8eb", QPalette.ColorRole.Button: "#2a2f37",
            QPalette.ColorRole.ButtonText: "#e6e8eb", QPalette.ColorRole.Highlight: "#2f6fd6",
            QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2a2f37",
            QPalette.ColorRole.ToolTipText: "#e6e8eb", QPalette.ColorRole.PlaceholderText: "#8b94a3",
            QPalette.ColorRole.Link: "#7fb0ff", QPalette.ColorRole.LinkVisited: "#b39dff",
            QPalette.ColorRole.Mid: "#3a404a", QPalette.ColorRole.Midlight: "#333842",
            QPalette.ColorRole.Dark: "#121418", QPalette.ColorRole.Light: "#3d434d",
            QPalette.ColorRole.BrightText: "#ffffff",
        }  # fmt: skip
        disabled = "#6b7280"
    else:
        colors = {
            QPalette.ColorRole.Window: "#f4f5f7", QPalette.ColorRole.WindowText: "#1f2937",
            QPalette.ColorRole.Base: "#ffffff", QPalette.ColorRole.AlternateBase: "#f8f9fb",
            QPalette.ColorRole.Text: "#1f2937", QPalette.ColorRole.Button: "#f4f5f7",
            QPalette.ColorRole.ButtonText: "#1f2937", QPalette.ColorRole.Highlight: "#2563eb",
            QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#ffffff",
            QPalette.ColorRole.ToolTipText: "#1f2937", QPalette.ColorRole.PlaceholderText: "#6b7280",
            QPalette.ColorRole.Link: "#1d4ed8", QPalette.ColorRole.LinkVisited: "#6d28d9",
        }  # fmt: skip
        disabled = "#9ca3af"
    pal = QPalette()
    for role, c in colors.items():
        pal.setColor(role, QColor(c))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return pal


_palette = palette  # the older name


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21; AA asks 4.5 for text)."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def is_dark(settings: Settings, override: str | None = None) -> bool:
    theme = override or settings.get(keys.THEME)
    if theme == "system":
        from PySide6.QtCore import Qt

        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    return theme == "dark"


def apply_appearance(settings: Settings, theme: str | None = None) -> None:
    """Style, palette, stylesheet and font size from the settings (again after a change)."""
    global _SYSTEM_FONT_PT
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyle(QStyleFactory.create("Fusion"))
    dark = is_dark(settings, theme)
    app.setPalette(palette(dark))
    font = app.font()
    if _SYSTEM_FONT_PT is None:
        _SYSTEM_FONT_PT = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    size = settings.get(keys.FONT_SIZE)
    font.setPointSizeF(float(size) if size > 0 else _SYSTEM_FONT_PT)
    app.setFont(font)
    qss = ""
    for name in ("base.qss", "dark.qss" if dark else "light.qss"):
        f = QFile(f"styles:{name}")
        if f.open(QFile.OpenModeFlag.ReadOnly):
            qss += bytes(f.readAll().data()).decode("utf-8") + "\n"
            f.close()
    app.setStyleSheet(qss)
    icons.clear_cache()
    icons.retint_all()  # every icon follows the theme, not only the ones made after the change
