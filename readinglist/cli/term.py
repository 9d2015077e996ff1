"""The terminal's size, read without loading :mod:`shutil` (and the compressors it imports):
argparse asks for it at every ``add_argument``, the table output once."""

from __future__ import annotations

import os
import sys


def terminal_size(fallback: tuple[int, int] = (80, 24)) -> os.terminal_size:
    """As ``shutil.get_terminal_size``: ``COLUMNS``/``LINES`` first, then the terminal on
    stdout, else ``fallback``."""
    try:
        columns, lines = int(os.environ.get("COLUMNS", 0)), int(os.environ.get("LINES", 0))
    except ValueError:
        columns = lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno() if sys.__stdout__ else 1)
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size(fallback)
        columns = columns if columns > 0 else size.columns or fallback[0]
        lines = lines if lines > 0 else size.lines or fallback[1]
    return os.terminal_size((columns, lines))
