"""Storage: the SQLite engine, the typed schema, migrations, FTS and query functions."""
