"""SQLite persistence of the local org's Accounts and Contacts.

Like Salesforce, every save sets SystemModstamp to the save time, even when no value changed (clients
that want idempotent writes must compare first). Stamps have millisecond precision and several records
can share one, which is why clients page by (SystemModstamp, Id).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sources.salesforce.objects import KEY_PREFIXES, OBJECT_FIELDS, record_id, stamp


@dataclass(frozen=True)
class SaveOutcome:
    id: str
    created: bool


class OrgStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS sobject (Id TEXT PRIMARY KEY, type TEXT NOT NULL, "
                "fields TEXT NOT NULL, CreatedDate TEXT NOT NULL, SystemModstamp TEXT NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS sobject_changes ON sobject (type, SystemModstamp, Id)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS recycle_bin (Id TEXT PRIMARY KEY, type TEXT NOT NULL, "
                "fields TEXT NOT NULL, CreatedDate TEXT NOT NULL, SystemModstamp TEXT NOT NULL)"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    def get(self, id_: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM sobject WHERE Id = ?", (id_,)).fetchone()
        return _record(row) if row else None

    def all(self, sobject: str) -> list[dict[str, Any]]:
        with self._connect() as db:
            return [
                _record(row)
                for row in db.execute(
                    "SELECT * FROM sobject WHERE type = ? ORDER BY SystemModstamp, Id", (sobject,)
                )
            ]

    def find(self, sobject: str, field: str, value: str) -> list[str]:
        """Ids of the records of ``sobject`` whose ``field`` equals ``value`` (external id lookups)."""
        return [r["Id"] for r in self.all(sobject) if r.get(field) == value]

    def save(
        self,
        sobject: str,
        id_: str | None,
        fields: Mapping[str, str | None],
        modstamp: datetime | None = None,
        keep_if_unchanged: bool = False,
    ) -> SaveOutcome:
        """Create (``id_`` None or unknown) or update a record; ``modstamp`` back-dates (seeding).
        ``keep_if_unchanged`` makes re-seeding a no-op; API saves always move SystemModstamp."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                outcome = self._save(db, sobject, id_, fields, modstamp, keep_if_unchanged)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return outcome

    def _save(
        self,
        db: sqlite3.Connection,
        sobject: str,
        id_: str | None,
        fields: Mapping[str, str | None],
        modstamp: datetime | None,
        keep_if_unchanged: bool,
    ) -> SaveOutcome:
        row = db.execute("SELECT * FROM sobject WHERE Id = ?", (id_,)).fetchone() if id_ else None
        current = json.loads(row["fields"]) if row else dict.fromkeys(OBJECT_FIELDS[sobject])
        wanted = {**current, **{k: (v if v not in ("",) else None) for k, v in fields.items()}}
        if row is not None and keep_if_unchanged and wanted == current:
            return SaveOutcome(row["Id"], created=False)
        now = stamp(modstamp or datetime.now(UTC))
        if id_ is None:
            id_ = self._next_id(db, sobject)
        created = row["CreatedDate"] if row else now
        db.execute(
            "INSERT OR REPLACE INTO sobject (Id, type, fields, CreatedDate, SystemModstamp) "
            "VALUES (?, ?, ?, ?, ?)",
            (id_, sobject, json.dumps(wanted, ensure_ascii=False), created, now),
        )
        return SaveOutcome(id_, created=row is None)

    def recycle(self, id_: str) -> str | None:
        """Move a record to the Recycle Bin; ``None`` when deleted, else why not (a status code)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("SELECT 1 FROM recycle_bin WHERE Id = ?", (id_,)).fetchone():
                    outcome: str | None = "ENTITY_IS_DELETED"
                elif not db.execute("SELECT 1 FROM sobject WHERE Id = ?", (id_,)).fetchone():
                    outcome = "INVALID_CROSS_REFERENCE_KEY"
                else:
                    db.execute("INSERT INTO recycle_bin SELECT * FROM sobject WHERE Id = ?", (id_,))
                    db.execute("DELETE FROM sobject WHERE Id = ?", (id_,))
                    outcome = None
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return outcome

    def purge(self, id_: str) -> bool:
        """Remove a record from the Recycle Bin for good; False when it is not there."""
        with self._connect() as db:
            return db.execute("DELETE FROM recycle_bin WHERE Id = ?", (id_,)).rowcount > 0

    def in_recycle_bin(self, id_: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM recycle_bin WHERE Id = ?", (id_,)).fetchone() is not None

    @staticmethod
    def _next_id(db: sqlite3.Connection, sobject: str) -> str:
        highest = db.execute(
            "SELECT MAX(Id) FROM sobject WHERE Id LIKE ?", (f"{KEY_PREFIXES[sobject]}5g%",)
        ).fetchone()[0]
        number = int(highest[5:15]) + 1 if highest else 900_000
        return record_id(sobject, max(number, 900_000))


def _record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "Id": row["Id"],
        "type": row["type"],
        **json.loads(row["fields"]),
        "CreatedDate": row["CreatedDate"],
        "SystemModstamp": row["SystemModstamp"],
    }
