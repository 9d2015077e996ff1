"""Reading a Zotero data folder (``zotero.sqlite`` and ``storage/``), never writing it."""
