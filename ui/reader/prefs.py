"""What the reader remembers between sessions (window state only; QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings


def settings() -> QSettings:
    """The app's QSettings (tests replace this with one backed by a temporary file)."""
    return QSettings()


def last_page(paper_id: int) -> int:
    value = settings().value(f"reader/last_page/{paper_id}", 0)
    try:
        return max(0, int(value)) if isinstance(value, int | float | str) else 0
    except (TypeError, ValueError):
        return 0


def set_last_page(paper_id: int, page: int) -> None:
    settings().setValue(f"reader/last_page/{paper_id}", int(page))


def window_state() -> tuple[QByteArray, QByteArray]:
    """The reader window's geometry and dock layout as last closed (empty: never opened)."""
    s = settings()
    geo, state = s.value("reader/geometry"), s.value("reader/state")
    return (
        geo if isinstance(geo, QByteArray) else QByteArray(),
        state if isinstance(state, QByteArray) else QByteArray(),
    )


def set_window_state(geometry: QByteArray, state: QByteArray) -> None:
    s = settings()
    s.setValue("reader/geometry", geometry)
    s.setValue("reader/state", state)
