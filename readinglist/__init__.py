"""readinglist: a reading-list manager for the Hugging Face Daily Papers feed and arXiv."""

__version__ = "0.1.0"
