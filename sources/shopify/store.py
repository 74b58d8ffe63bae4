"""SQLite storage of the local Shopify store: customers (with addresses) and their metafields.

Times are stored as UTC ``YYYY-MM-DDTHH:MM:SS`` (second precision, as Shopify's API shows them) and
rendered in the shop's time zone by the API. A customer update stamps ``updated_at`` whenever the
request carries customer fields, changed or not; metafield writes do not touch the customer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sources.sqlite_store import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    email TEXT, first_name TEXT, last_name TEXT, phone TEXT, note TEXT,
    tags TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'disabled',
    verified_email INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    addresses TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS customers_updated ON customers (updated_at, id);
CREATE TABLE IF NOT EXISTS metafields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES customers (id),
    namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, type TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    UNIQUE (owner_id, namespace, key)
);
"""
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: List filters -> (column, SQL operator); Shopify's min/max bounds are inclusive.
FILTER_COLUMNS = (("since_id", "id", ">"), ("created_at_min", "created_at", ">="),
                  ("created_at_max", "created_at", "<="), ("updated_at_min", "updated_at", ">="),
                  ("updated_at_max", "updated_at", "<="))
#: Customer fields a PUT may change (addresses have their own endpoint in Shopify).
WRITABLE_FIELDS = ("email", "first_name", "last_name", "phone", "note", "tags")


def now_utc() -> str:
    return datetime.now(UTC).strftime(UTC_FORMAT)


class DuplicateMetafield(ValueError):
    pass


class ShopifyStore(SqliteStore):
    SCHEMA = SCHEMA

    # -- customers -------------------------------------------------------------------------------

    def list_customers(self, filters: Mapping[str, Any], *, after_id: int | None = None,
                       before_id: int | None = None, limit: int) -> list[dict[str, Any]]:
        """Customers matching ``filters`` in id order, after/before an id (cursor paging), ``limit`` rows.

        ``filters``: ``ids`` (list), ``since_id``, ``created_at_min/max``, ``updated_at_min/max`` (UTC
        strings; min/max are inclusive, as Shopify documents "at or after"/"at or before").
        """
        where, params = [], []
        for key, column, operator in FILTER_COLUMNS:
            if filters.get(key) is not None:
                where.append(f"{column} {operator} ?")
                params.append(filters[key])
        if filters.get("ids"):
            where.append(f"id IN ({', '.join('?' * len(filters['ids']))})")
            params.extend(filters["ids"])
        if after_id is not None:
            where.append("id > ?")
            params.append(after_id)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        direction = "DESC" if before_id is not None else "ASC"
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM customers {clause} ORDER BY id {direction} LIMIT ?",
                              [*params, limit]).fetchall()
        customers = [_customer(row) for row in rows]
        return customers[::-1] if before_id is not None else customers

    def get_customer(self, customer_id: int) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return _customer(row) if row else None

    def email_owner(self, email: str) -> int | None:
        with self._connect() as db:
            row = db.execute("SELECT id FROM customers WHERE lower(email) = lower(?)", (email,)).fetchone()
        return row[0] if row else None

    def insert_customers(self, customers: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert customers whose id is not stored yet (re-seeding keeps what the hub pushed back)."""
        inserted = []
        with self._connect() as db:
            for c in customers:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO customers (id, email, first_name, last_name, phone, note, tags, "
                    "state, verified_email, created_at, updated_at, addresses) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (int(c["id"]), c.get("email"), c.get("first_name"), c.get("last_name"), c.get("phone"),
                     c.get("note"), c.get("tags", ""), c.get("state", "disabled"),
                     int(c.get("verified_email", 1)), c["created_at"], c["updated_at"],
                     json.dumps(c.get("addresses", []), ensure_ascii=False)))
                if cursor.rowcount == 1:
                    inserted.append(int(c["id"]))
        return inserted

    def update_customer(self, customer_id: int, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        fields = {key: changes[key] for key in WRITABLE_FIELDS if key in changes}
        with self._connect() as db:
            if db.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is None:
                return None
            if fields:
                assignments = ", ".join(f"{key} = ?" for key in fields)
                db.execute(f"UPDATE customers SET {assignments}, updated_at = ? WHERE id = ?",
                           [*fields.values(), now_utc(), customer_id])
        return self.get_customer(customer_id)

    def delete_customer(self, customer_id: int) -> None:
        """The customer, its addresses (stored with it) and its metafields."""
        with self._connect() as db:
            db.execute("DELETE FROM metafields WHERE owner_id = ?", (customer_id,))
            db.execute("DELETE FROM customers WHERE id = ?", (customer_id,))

    def has_orders(self, customer_id: int) -> bool:
        """Orders block a delete in Shopify; this local store sells nothing, so a customer has none
        unless a test marks them with the ``has-orders`` tag."""
        customer = self.get_customer(customer_id)
        return bool(customer) and "has-orders" in (customer["tags"] or "").split(", ")

    # -- metafields ------------------------------------------------------------------------------

    def metafields(self, owner_id: int, namespace: str | None = None, key: str | None = None) -> list[dict]:
        sql, params = "SELECT * FROM metafields WHERE owner_id = ?", [owner_id]
        for column, value in (("namespace", namespace), ("key", key)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        with self._connect() as db:
            return [dict(row) for row in db.execute(sql + " ORDER BY id", params)]

    def create_metafield(self, owner_id: int, namespace: str, key: str, value: str, type_: str) -> dict:
        stamp = now_utc()
        try:
            with self._connect() as db:
                cursor = db.execute(
                    "INSERT INTO metafields (owner_id, namespace, key, value, type, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (owner_id, namespace, key, value, type_, stamp, stamp))
                new_id = cursor.lastrowid
        except sqlite3.IntegrityError:
            raise DuplicateMetafield(key) from None
        return self.metafield(owner_id, new_id)  # type: ignore[return-value]

    def metafield(self, owner_id: int, metafield_id: int) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM metafields WHERE owner_id = ? AND id = ?",
                             (owner_id, metafield_id)).fetchone()
        return dict(row) if row else None

    def update_metafield(self, owner_id: int, metafield_id: int, value: str) -> dict | None:
        with self._connect() as db:
            db.execute("UPDATE metafields SET value = ?, updated_at = ? WHERE owner_id = ? AND id = ?",
                       (value, now_utc(), owner_id, metafield_id))
        return self.metafield(owner_id, metafield_id)


def _customer(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["addresses"] = json.loads(data["addresses"])
    data["verified_email"] = bool(data["verified_email"])
    return data
