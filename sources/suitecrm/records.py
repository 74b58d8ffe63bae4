"""SQLite storage of CRM records as JSON attribute maps, per module (Accounts, Contacts).

Shared by the local SuiteCRM and vTiger (both keep modules of flat attribute records and filter them
with ``field <op> value`` conditions). Every record has an ``ord`` key the system sorts ids by: the id
text for SuiteCRM, the numeric crmid for vTiger (``12x9`` before ``12x10``). One short-lived connection
per operation: FastAPI runs sync endpoints in a thread pool and SQLite connections are per thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sources.sqlite_store import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    module TEXT NOT NULL,
    id TEXT NOT NULL,
    ord NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (module, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS records_ord ON records (module, ord);
"""

INSERT = "INSERT OR IGNORE INTO records (module, id, ord, data) VALUES (?, ?, ?, ?)"
OPERATORS = {"=": "=", "<>": "<>", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Condition:
    """``field op value``; the field ``id`` compares the record's ``ord`` key."""

    field: str
    op: str
    value: Any


class RecordStore(SqliteStore):
    SCHEMA = SCHEMA
    ROW_FACTORY = None  # plain tuples

    def insert(self, module: str, records: Sequence[tuple[str, Any, Mapping[str, Any]]]) -> int:
        """Insert ``(id, ord, attributes)`` records not stored yet (seeding keeps pushed-back values)."""
        inserted = 0
        with self._connect() as db:
            for record_id, ord_key, attributes in records:
                data = json.dumps(dict(attributes), ensure_ascii=False)
                cursor = db.execute(INSERT, (module, record_id, ord_key, data))
                inserted += cursor.rowcount
        return inserted

    def get(self, module: str, record_id: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT data FROM records WHERE module = ? AND id = ?",
                             (module, record_id)).fetchone()
        return json.loads(row[0]) if row else None

    def module_of(self, record_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT module FROM records WHERE id = ? ORDER BY module",
                             (record_id,)).fetchone()
        return row[0] if row else None

    def replace(self, module: str, record_id: str, attributes: Mapping[str, Any]) -> None:
        with self._connect() as db:
            db.execute("UPDATE records SET data = ? WHERE module = ? AND id = ?",
                       (json.dumps(dict(attributes), ensure_ascii=False), module, record_id))

    def delete(self, module: str, record_id: str) -> bool:
        with self._connect() as db:
            deleted = db.execute("DELETE FROM records WHERE module = ? AND id = ?", (module, record_id))
            return deleted.rowcount > 0

    def select(self, module: str, where: Sequence[Condition] = (), order_by: str | None = None,
               descending: bool = False, limit: int | None = None, offset: int = 0) -> list[tuple[str, dict]]:
        """``(id, attributes)`` matching every condition, sorted by ``order_by`` then by ``ord``."""
        clause, params = self._where(module, where)
        direction = "DESC" if descending else "ASC"
        order = f"{self._column(order_by)} {direction}, ord {direction}" if order_by else f"ord {direction}"
        sql = f"SELECT id, data FROM records WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?"
        with self._connect() as db:
            rows = db.execute(sql, [*params, -1 if limit is None else limit, offset]).fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def count(self, module: str, where: Sequence[Condition] = ()) -> int:
        clause, params = self._where(module, where)
        with self._connect() as db:
            return db.execute(f"SELECT count(*) FROM records WHERE {clause}", params).fetchone()[0]

    def _where(self, module: str, where: Sequence[Condition]) -> tuple[str, list[Any]]:
        parts, params = ["module = ?"], [module]
        for condition in where:
            parts.append(f"{self._column(condition.field)} {OPERATORS[condition.op]} ?")
            params.append(condition.value)
        return " AND ".join(parts), params

    @staticmethod
    def _column(name: str) -> str:
        """SQL for a field: ``ord`` for ids, else a JSON lookup (names are checked before use)."""
        if name == "id":
            return "ord"
        if not FIELD_NAME.match(name):
            raise ValueError(f"invalid field name {name!r}")
        return f"coalesce(json_extract(data, '$.{name}'), '')"
