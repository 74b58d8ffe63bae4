"""The SQLite file behind a local source system (web shop, Shopify, Odoo, SuiteCRM/vTiger records)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar


class SqliteStore:
    """Opens ``path`` in WAL mode (the API server and seeding write at the same time) and creates the
    subclass's ``SCHEMA``; every operation takes its own short-lived connection from ``_connect``."""

    SCHEMA: ClassVar[str] = ""
    #: How rows come back: ``sqlite3.Row`` (by column name) unless a store wants plain tuples.
    ROW_FACTORY: ClassVar[Callable[[sqlite3.Cursor, tuple[Any, ...]], Any] | None] = sqlite3.Row

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(self.SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = self.ROW_FACTORY
        try:
            with db:  # commits on success, rolls back on error
                yield db
        finally:
            db.close()
