"""For you: a model of what this user keeps, trained on their own library, offline.

``corpus`` reads the library (texts, what was kept, tagged or dismissed); ``features`` turns
texts into TF-IDF rows and sentence vectors, cached on disk under the library folder and
updated incrementally; ``model`` trains the keep model and one model per tag and explains its
scores; ``service`` is what the CLI and the GUI call; ``evaluate`` measures it all on the
user's own library with a time split. numpy and scikit-learn are the ``recommend`` extra, so
nothing here is imported before a command needs it.
"""

from __future__ import annotations

import importlib.util


def available() -> bool:
    """Whether the ``recommend`` extra (numpy, scipy, scikit-learn) is installed: looked up, not
    imported."""
    return all(importlib.util.find_spec(m) is not None for m in ("numpy", "scipy", "sklearn"))
