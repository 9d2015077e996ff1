"""Where the library lives and which hosts the sources talk to (README: "Where the library lives")."""

from __future__ import annotations

import os
from pathlib import Path

from readinglist.recordtype import record

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_ARXIV_ENDPOINT = "https://arxiv.org"
DEFAULT_ARXIV_API = "https://export.arxiv.org/api/query"
DEFAULT_ARXIV_DELAY = 3.0


def default_library_dir() -> Path:
    """``READINGLIST_HOME`` if set, else the platform's user data folder."""
    env = os.environ.get("READINGLIST_HOME")
    if env:
        return Path(env).expanduser()
    return platform_library_dir()


def platform_library_dir() -> Path:
    """The platform's user data folder (``~/.local/share/readinglist`` on Linux)."""
    import platformdirs  # only when no folder was given: a command with --library never loads it

    return Path(platformdirs.user_data_dir("readinglist", appauthor=False))


def chosen_library_file() -> Path:
    """Where the folder chosen in the app's Settings is remembered, for the app and the CLI alike."""
    import platformdirs

    return Path(platformdirs.user_config_dir("readinglist", appauthor=False)) / "library-folder"


def chosen_library_dir() -> Path | None:
    try:
        text = chosen_library_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return Path(text).expanduser() if text else None


def choose_library_dir(path: Path | None) -> None:
    """Remember ``path`` as the chosen library folder (None forgets the choice)."""
    f = chosen_library_file()
    if path is None:
        f.unlink(missing_ok=True)
        return
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(str(Path(path).expanduser().resolve()) + "\n", encoding="utf-8")


def resolve_library_dir(explicit: Path | str | None = None, *, fallback: Path | None = None) -> Path:
    """The one rule, for the app and the CLI: ``--library``, else ``READINGLIST_HOME``, else the
    folder chosen in Settings (``fallback`` if none was chosen), else the platform default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("READINGLIST_HOME")
    if env:
        return Path(env).expanduser()
    return chosen_library_dir() or fallback or platform_library_dir()


def is_default_library(root: Path) -> bool:
    try:
        return Path(root).resolve() == platform_library_dir().resolve()
    except OSError:
        return False


@record
class Endpoints:
    """Network endpoints, read from the environment so tests and mirrors can redirect them."""

    hf: str = DEFAULT_HF_ENDPOINT
    arxiv: str = DEFAULT_ARXIV_ENDPOINT
    arxiv_api: str = DEFAULT_ARXIV_API
    arxiv_delay: float = DEFAULT_ARXIV_DELAY

    @classmethod
    def from_env(cls) -> Endpoints:
        delay_text = os.environ.get("READINGLIST_ARXIV_DELAY", "")
        try:
            delay = float(delay_text) if delay_text else DEFAULT_ARXIV_DELAY
        except ValueError:
            delay = DEFAULT_ARXIV_DELAY
        return cls(
            hf=os.environ.get("HF_ENDPOINT", DEFAULT_HF_ENDPOINT).rstrip("/"),
            arxiv=os.environ.get("READINGLIST_ARXIV_ENDPOINT", DEFAULT_ARXIV_ENDPOINT).rstrip("/"),
            arxiv_api=os.environ.get("READINGLIST_ARXIV_API", DEFAULT_ARXIV_API),
            arxiv_delay=max(0.0, delay),
        )


def member_name() -> str:
    """Who is working: ``READINGLIST_USER``, else the OS user name (a lab library keeps one
    history and triage per member)."""
    env = os.environ.get("READINGLIST_USER", "").strip()
    if env:
        return env
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user database entry (some containers)
        return "me"
