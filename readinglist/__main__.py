"""``python -m readinglist``: the command line."""

import sys

from readinglist.cli.main import main

sys.exit(main())
