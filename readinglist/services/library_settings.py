"""Writing library-level settings (they travel with the library; defaults in ``SETTINGS_DEFAULTS``)."""

from __future__ import annotations

import json

from sqlalchemy import select

from readinglist.db.schema import Setting
from readinglist.errors import ReadingListError
from readinglist.services.library import SETTINGS_DEFAULTS, Library
from readinglist.services.unit import Transaction

# Settings the app writes for itself: not the user's actions, so not undo steps.
INTERNAL = frozenset({"last_sync", "last_daily_backup"})


def write(tx: Transaction, key: str, value: object) -> None:
    """Set a setting inside a change (captured for undo)."""
    tx.capture("settings", [key])
    row = tx.session.execute(select(Setting).where(Setting.key == key)).scalar_one_or_none()
    if row is None:
        tx.session.add(Setting(key=key, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)
    tx.touched(settings=(key,))


def set_setting(lib: Library, key: str, value: object) -> None:
    if key not in SETTINGS_DEFAULTS:
        raise KeyError(key)
    if key == "citekey_pattern":
        from readinglist.bibtex.citekeys import validate_pattern

        validate_pattern(str(value))
    if key == "autotag_threshold":
        from readinglist.services.autotag import check_threshold

        try:
            value = check_threshold(value)
        except ValueError as exc:
            raise ReadingListError(str(exc)) from None
    with lib.change(f"Change setting {key}", undoable=key not in INTERNAL) as tx:
        write(tx, key, value)
    if key == "citekey_pattern":
        lib.forget_pattern()
