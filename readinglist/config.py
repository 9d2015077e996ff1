"""Where the library lives and which hosts the sources talk to (README: "Where the library lives")."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_ARXIV_ENDPOINT = "https://arxiv.org"
DEFAULT_ARXIV_API = "https://export.arxiv.org/api/query"
DEFAULT_ARXIV_DELAY = 3.0


def default_library_dir() -> Path:
    """``READINGLIST_HOME`` if set, else the platform's user data folder."""
    env = os.environ.get("READINGLIST_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("readinglist", appauthor=False))


@dataclass(frozen=True)
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
