"""Where Zotero keeps its data: the data folder the user chose, else the usual places."""

from __future__ import annotations

import re
from pathlib import Path

from readinglist.errors import NotFoundError

_DATA_DIR_PREF = re.compile(r'user_pref\("extensions\.zotero\.dataDir",\s*"((?:[^"\\]|\\.)*)"\)')
_BASE_PREF = re.compile(r'user_pref\("extensions\.zotero\.baseAttachmentPath",\s*"((?:[^"\\]|\\.)*)"\)')


def _prefs_files(home: Path) -> list[Path]:
    """The prefs.js of every Zotero profile (Linux, macOS and Windows layouts)."""
    roots = [home / ".zotero" / "zotero", home / "Library" / "Application Support" / "Zotero" / "Profiles",
             home / "AppData" / "Roaming" / "Zotero" / "Zotero" / "Profiles"]  # fmt: skip
    return [p for root in roots if root.is_dir() for p in sorted(root.glob("*/prefs.js"))]


def _pref(pattern: re.Pattern[str], home: Path) -> list[Path]:
    found = []
    for prefs in _prefs_files(home):
        m = pattern.search(prefs.read_text(encoding="utf-8", errors="replace"))
        if m:
            found.append(Path(m.group(1).encode().decode("unicode_escape")))
    return found


def _profile_choices(home: Path) -> list[Path]:
    """Data folders named in Zotero profiles' prefs.js."""
    return _pref(_DATA_DIR_PREF, home)


def base_attachment_dir(home: Path | None = None) -> Path | None:
    """Zotero's "Linked Attachment Base Directory", which ``attachments:`` paths are relative to."""
    found = [p for p in _pref(_BASE_PREF, home or Path.home()) if p.is_dir()]
    return found[0] if found else None


def find_data_dir(home: Path | None = None) -> Path:
    """The Zotero data folder: a custom one from the profile, else ~/Zotero (Zotero's default)."""
    home = home or Path.home()
    candidates = [
        *_profile_choices(home),
        home / "Zotero",
        home / "snap" / "zotero-snap" / "common" / "Zotero",
    ]
    for c in candidates:
        if (c / "zotero.sqlite").is_file():
            return c
    raise NotFoundError(
        "no Zotero data folder found (looked in " + ", ".join(str(c) for c in candidates)
        + "); give its path: readinglist import-zotero ~/Zotero"
    )  # fmt: skip
