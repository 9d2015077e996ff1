"""SVG icons from ``resources/icons`` (found as ``icons:NAME.svg``), tinted for the current theme.

The files draw with ``currentColor``; Qt's SVG renderer has no notion of a current colour, so
we substitute the palette's text colour before rendering (at 1x and 2x for high-DPI screens).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QDir, QFile, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SIZES = (16, 20, 24, 32, 48)


def register_search_paths() -> None:
    QDir.addSearchPath("icons", str(RESOURCES / "icons"))
    QDir.addSearchPath("styles", str(RESOURCES / "styles"))


@lru_cache(maxsize=64)
def _svg(name: str) -> bytes:
    f = QFile(f"icons:{name}.svg")
    if not f.open(QFile.OpenModeFlag.ReadOnly):
        return b""
    try:
        return bytes(f.readAll().data())
    finally:
        f.close()


def _render(data: bytes, size: int, dpr: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(data))
    img = QImage(int(size * dpr), int(size * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p, QRectF(0, 0, size * dpr, size * dpr))
    p.end()
    pm = QPixmap.fromImage(img)
    pm.setDevicePixelRatio(dpr)
    return pm


@lru_cache(maxsize=256)
def _icon(name: str, color: str, disabled: str) -> QIcon:
    raw = _svg(name)
    icon = QIcon()
    if not raw:
        return icon
    for mode, tint in ((QIcon.Mode.Normal, color), (QIcon.Mode.Disabled, disabled)):
        data = raw.replace(b"currentColor", tint.encode())
        for size in SIZES:
            for dpr in (1.0, 2.0):
                icon.addPixmap(_render(data, size, dpr), mode)
    return icon


def icon(name: str | None, color: str | QColor | None = None) -> QIcon:
    """The icon ``name`` drawn in ``color`` (default: the palette's text colour)."""
    if not name:
        return QIcon()
    pal = QApplication.palette()
    c = QColor(color) if color is not None else pal.color(QPalette.ColorRole.WindowText)
    d = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    return _icon(name, c.name(), d.name())


def pixmap(name: str, size: int, color: str | QColor | None = None) -> QPixmap:
    return icon(name, color).pixmap(QSize(size, size))


THEMED = "themedIcon"  # the dynamic property naming the icon a widget or action shows


def themed(obj: QObject, name: str | None, color: str | None = None) -> None:
    """Give ``obj`` (a button or an action) the icon ``name``, re-tinted after every theme
    change (:func:`retint_all`). ``color`` fixes the colour (a filled star stays amber)."""
    obj.setProperty(THEMED, f"{name or ''}|{color or ''}")
    obj.setIcon(icon(name, color))  # type: ignore[attr-defined]


def retint_all() -> None:
    """Re-tint every themed icon of every widget and action (after the palette changed)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    seen: set[int] = set()
    for w in app.allWidgets():
        for obj in (w, *w.actions()):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            value = obj.property(THEMED)
            if isinstance(value, str) and value:
                name, _, color = value.partition("|")
                obj.setIcon(icon(name or None, color or None))  # type: ignore[attr-defined]
        refresh = getattr(w, "refresh_icon", None)
        if callable(refresh):
            refresh()


def clear_cache() -> None:
    """After a theme change: icons are re-tinted on next use."""
    _icon.cache_clear()
