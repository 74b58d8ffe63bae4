"""The SQLite file behind a local source system (web shop, Shopify, Odoo, SuiteCRM/vTiger records)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

GENERATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS write_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT OR IGNORE INTO write_generation (id, generation) VALUES (1, 0);
"""


class SqliteStore:
    """Opens ``path`` in WAL mode (the API server and seeding write at the same time) and creates the
    subclass's ``SCHEMA``; every operation takes its own short-lived connection from ``_connect``."""

    SCHEMA: ClassVar[str] = ""
    #: Keep a write generation: a one-row table every connection that changed rows bumps before it
    #: commits, so that what was read before (``sources.sqlite_pages``) is known to be still true.
    WRITE_GENERATION: ClassVar[bool] = False
    #: How rows come back: ``sqlite3.Row`` (by column name) unless a store wants plain tuples.
    ROW_FACTORY: ClassVar[Callable[[sqlite3.Cursor, tuple[Any, ...]], Any] | None] = sqlite3.Row

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(self.SCHEMA)
            if self.WRITE_GENERATION:
                db.executescript(GENERATION_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = self.ROW_FACTORY
        try:
            with db:  # commits on success, rolls back on error
                yield db
                if self.WRITE_GENERATION and db.total_changes:
                    db.execute("UPDATE write_generation SET generation = generation + 1")
        finally:
            db.close()
