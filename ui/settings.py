"""Window and UI preferences in QSettings, each key declared once with its type and default.

Library-level settings (citation-key pattern, back-fill days) live in the library
(``Library.setting``); only what belongs to this machine and this user lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")
VERSION = 2  # bump, and upgrade in Settings.__init__, when a key changes meaning


@dataclass(frozen=True)
class Key(Generic[T]):
    name: str
    type: type
    default: T


GEOMETRY: Key[QByteArray] = Key("window/geometry", QByteArray, QByteArray())
WINDOW_STATE: Key[QByteArray] = Key("window/state", QByteArray, QByteArray())
MAIN_SPLITTER: Key[QByteArray] = Key("window/main_splitter", QByteArray, QByteArray())
DETAILS_SPLITTER: Key[QByteArray] = Key("window/details_splitter", QByteArray, QByteArray())
# v2: the Score and Why columns (For you). A v1 state knows 7 sections; restored over 9 it
# would hide or reorder the new ones, so it is dropped (see Settings.__init__).
HEADER_STATE: Key[QByteArray] = Key("papers/header-v2", QByteArray, QByteArray())
OLD_HEADER_STATE = "papers/header"
SIDEBAR_ITEM: Key[str] = Key("sidebar/selected", str, "feed:latest")
LAST_LIBRARY: Key[str] = Key("library/last", str, "")
THEME: Key[str] = Key("ui/theme", str, "system")  # light | dark | system
FONT_SIZE: Key[int] = Key("ui/font_size", int, 0)  # points; 0 = the system's size
SYNC_ON_START: Key[bool] = Key("sync/on_start", bool, True)
SYNC_INTERVAL_HOURS: Key[int] = Key("sync/interval_hours", int, 4)  # 0 = only at start
AUTO_DOWNLOAD: Key[bool] = Key("pdf/auto_download_saved", bool, False)
CITE_SERVER_ON: Key[bool] = Key("cite/server_on", bool, False)  # answer editor plugins (Better BibTeX URLs)
CITE_SERVER_PORT: Key[int] = Key("cite/server_port", int, 23120)  # 23119 is Zotero's own
CITATION_STYLE: Key[str] = Key("cite/style", str, "apa")  # apa | ieee | acm
OFFLINE_NOTICE_SHOWN: Key[bool] = Key("sync/offline_notice", bool, False)
# The digest by e-mail: this user's mail server (the password is in the system keyring).
MAIL_HOST: Key[str] = Key("mail/host", str, "")
MAIL_PORT: Key[int] = Key("mail/port", int, 587)
MAIL_SECURITY: Key[str] = Key("mail/security", str, "starttls")  # none | starttls | ssl
MAIL_USER: Key[str] = Key("mail/user", str, "")
MAIL_FROM: Key[str] = Key("mail/from", str, "")
MAIL_TO: Key[str] = Key("mail/to", str, "")  # addresses, comma-separated (lists round-trip badly)
# A lab library's server (postgresql+psycopg://...); "" = the SQLite file in the library folder.
# Read at start; READINGLIST_DATABASE_URL, when set, wins over it.
DATABASE_URL: Key[str] = Key("library/database_url", str, "")
# Your name in a lab library (your triage, alerts and history); READINGLIST_USER wins over it.
MEMBER: Key[str] = Key("library/member", str, "")

ALL_KEYS: tuple[Key[Any], ...] = (
    GEOMETRY, WINDOW_STATE, MAIN_SPLITTER, DETAILS_SPLITTER, HEADER_STATE, SIDEBAR_ITEM,
    LAST_LIBRARY, THEME, FONT_SIZE, SYNC_ON_START, SYNC_INTERVAL_HOURS, AUTO_DOWNLOAD,
    CITE_SERVER_ON, CITE_SERVER_PORT, CITATION_STYLE, MAIL_HOST, MAIL_PORT, MAIL_SECURITY, MAIL_USER,
    MAIL_FROM, MAIL_TO, DATABASE_URL, MEMBER,
)  # fmt: skip


class Settings:
    """Typed access to a QSettings store (the user's, or an .ini file for tests and demos)."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            self.qs = QSettings("readinglist", "readinglist")
        else:
            self.qs = QSettings(str(path), QSettings.Format.IniFormat)
        if int(self.qs.value("meta/version", 0) or 0) < VERSION:  # type: ignore[call-overload]
            self.qs.remove(OLD_HEADER_STATE)
            self.qs.setValue("meta/version", VERSION)

    def get(self, key: Key[T]) -> T:
        value = self.qs.value(key.name)
        if value is None:
            return key.default
        try:
            if key.type is bool:  # INI files give "true"/"false" strings back
                return (
                    value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
                ) or False  # type: ignore[return-value]
            if key.type is QByteArray:
                return value if isinstance(value, QByteArray) else QByteArray(value)  # type: ignore[return-value]
            return key.type(value)  # type: ignore[no-any-return]
        except (TypeError, ValueError):
            return key.default

    def set(self, key: Key[T], value: T) -> None:
        self.qs.setValue(key.name, value)

    def sync(self) -> None:
        self.qs.sync()
