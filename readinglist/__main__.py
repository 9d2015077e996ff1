"""``python -m readinglist``: the command line."""

from readinglist.cli.main import run

run()
