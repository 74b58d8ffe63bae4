"""SQLite storage of the local web shop, in WooCommerce's own shape (customer JSON, meta_data list, orders).

One short-lived connection per operation: FastAPI runs sync endpoints in a thread pool and SQLite
connections must not be shared between threads. ``date_modified_gmt`` is bumped only when a write
really changes something, so an idempotent push does not make the record look modified again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sources.sqlite_pages import ListPages, ListQuery
from sources.sqlite_store import SqliteStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    date_created_gmt TEXT NOT NULL,
    date_modified_gmt TEXT NOT NULL,
    billing TEXT NOT NULL DEFAULT '{}',
    meta_data TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS customers_modified ON customers (date_modified_gmt, id);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    total TEXT NOT NULL,
    date_created_gmt TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id, id);
-- the order list's sort (and its ``after`` filter): without it every page sorts all orders
CREATE INDEX IF NOT EXISTS orders_created ON orders (date_created_gmt, id);
"""

#: Fields of ``billing`` the shop keeps (WooCommerce's billing address, minus what we never fill).
BILLING_FIELDS = ("first_name", "last_name", "company", "address_1", "city", "postcode", "country", "email",
                  "phone")
#: Top-level customer fields a PUT may change (the rest are read-only, as in WooCommerce).
WRITABLE_FIELDS = ("email", "first_name", "last_name")

#: ``orderby`` values -> SQL ORDER BY; every order ends in ``id`` so paging is deterministic.
#: ``modified`` is our extension (WooCommerce's customer endpoint lacks it; plugins add it the same way).
ORDER_BY = {
    "id": "id",
    "name": "lower(first_name || ' ' || last_name), id",
    "registered_date": "date_created_gmt, id",
    "modified": "date_modified_gmt, id",
}


def now_gmt() -> str:
    """WooCommerce's GMT timestamp format: ISO 8601 without offset, second precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


#: ``orderby`` values whose sort is plain columns: their deep pages continue by key (``ListPages``).
KEYED_ORDER = {"id", "registered_date", "modified"}


class ShopStore(SqliteStore):
    SCHEMA = SCHEMA
    WRITE_GENERATION = True

    def __init__(self, path: Path):
        super().__init__(path)
        self._pages = ListPages()

    # -- customers -------------------------------------------------------------------------------

    def list_customers(
        self, *, page: int, per_page: int, offset: int | None = None, orderby: str = "id", order: str = "asc",
        email: str | None = None, include: list[int] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of customers and the total count matching the filters; ``offset`` overrides ``page``."""
        where, params = [], []
        if include is not None:
            where.append(f"id IN ({', '.join('?' * len(include)) or 'NULL'})")
            params.extend(include)
        if email:
            where.append("lower(email) = lower(?)")
            params.append(email)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        direction = "DESC" if order == "desc" else "ASC"
        columns = tuple(ORDER_BY[orderby].split(", "))
        query = ListQuery("customers", clause, tuple(params), ", ".join(f"{c} {direction}" for c in columns),
                          columns if orderby in KEYED_ORDER else None, descending=order == "desc")
        with self._connect() as db:
            start = (page - 1) * per_page if offset is None else offset
            rows, total = self._pages.read(db, query, per_page, start)
        return [_customer(row) for row in rows], total

    def get_customer(self, customer_id: int) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return _customer(row) if row else None

    def insert_customers(self, customers: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert whole customers (seeding) whose id is not stored yet; returns the inserted ids.

        Existing customers are left alone so that re-seeding never wipes golden ids or corrections
        pushed back by the hub. One transaction for the whole batch keeps seeding thousands fast.
        """
        inserted = []
        with self._connect() as db:
            for customer in customers:
                values = (
                    int(customer["id"]), customer.get("email", ""), customer.get("first_name", ""),
                    customer.get("last_name", ""), customer.get("username", ""),
                    customer.get("date_created_gmt") or now_gmt(),
                    customer.get("date_modified_gmt") or now_gmt(),
                    json.dumps(customer.get("billing", {}), ensure_ascii=False),
                    json.dumps(customer.get("meta_data", []), ensure_ascii=False),
                )
                cursor = db.execute(
                    "INSERT OR IGNORE INTO customers (id, email, first_name, last_name, username, "
                    "date_created_gmt, date_modified_gmt, billing, meta_data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
                if cursor.rowcount == 1:
                    inserted.append(values[0])
        return inserted

    def update_customer(self, customer_id: int, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Partial update as WooCommerce's PUT does it; ``None`` if the customer does not exist.

        ``billing`` is merged field by field; ``meta_data`` entries are matched by ``key`` (updated in
        place) or appended. Unknown and read-only fields are ignored, like WooCommerce does.
        """
        return self.update_customers([(customer_id, changes)])[0]

    def update_customers(
        self, updates: Sequence[tuple[int, Mapping[str, Any]]]
    ) -> list[dict[str, Any] | None]:
        """Several partial updates (the batch endpoint) on one connection, committed together: each as
        :meth:`update_customer`, in order, answering the customer after it (``None``: no such id)."""
        with self._connect() as db:
            return [_update(db, customer_id, changes) for customer_id, changes in updates]

    def delete_customer(self, customer_id: int) -> dict[str, Any] | None:
        """Delete a customer for good; ``None`` if there is none. Orders keep their customer id, as
        WooCommerce's do (they hold no personal data here)."""
        current = self.get_customer(customer_id)
        if current is not None:
            with self._connect() as db:
                db.execute("DELETE FROM customers WHERE id = ?", (customer_id,))
        return current

    # -- orders ----------------------------------------------------------------------------------

    def add_orders(self, orders: Iterable[Mapping[str, Any]]) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT INTO orders (customer_id, status, currency, total, date_created_gmt) "
                "VALUES (:customer_id, :status, :currency, :total, :date_created_gmt)",
                [dict(order) for order in orders],
            )

    def list_orders(
        self, *, customer_id: int | None, page: int, per_page: int, created_after: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        conditions, params = [], []
        if customer_id is not None:
            conditions.append("customer_id = ?")
            params.append(customer_id)
        if created_after is not None:
            conditions.append("date_created_gmt > ?")
            params.append(created_after)
        clause = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        query = ListQuery("orders", clause, tuple(params), "date_created_gmt, id", ("date_created_gmt", "id"))
        with self._connect() as db:
            rows, total = self._pages.read(db, query, per_page, (page - 1) * per_page)
        return [dict(row) for row in rows], total


def _read(db: sqlite3.Connection, customer_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
    return _customer(row) if row else None


def _update(db: sqlite3.Connection, customer_id: int, changes: Mapping[str, Any]) -> dict[str, Any] | None:
    """One customer's partial update on an open connection (see ``ShopStore.update_customer``)."""
    current = _read(db, customer_id)
    if current is None:
        return None
    updated = {k: current[k] for k in (*WRITABLE_FIELDS, "billing", "meta_data")}
    for key in WRITABLE_FIELDS:
        if key in changes and changes[key] is not None:
            updated[key] = str(changes[key])
    for key, value in (changes.get("billing") or {}).items():
        if key in BILLING_FIELDS and value is not None:
            updated["billing"] = {**updated["billing"], key: str(value)}
    if changes.get("meta_data"):
        updated["meta_data"] = merge_meta(updated["meta_data"], changes["meta_data"])
    if all(updated[k] == current[k] for k in updated):
        return current
    db.execute(
        "UPDATE customers SET email = ?, first_name = ?, last_name = ?, billing = ?, meta_data = ?, "
        "date_modified_gmt = ? WHERE id = ?",
        (updated["email"], updated["first_name"], updated["last_name"],
         json.dumps(updated["billing"], ensure_ascii=False),
         json.dumps(updated["meta_data"], ensure_ascii=False), now_gmt(), customer_id),
    )
    return _read(db, customer_id)


def merge_meta(existing: list[dict[str, Any]], changes: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """WooCommerce meta semantics: an entry with a known ``key`` replaces that entry's value."""
    merged = [dict(entry) for entry in existing]
    next_id = max((int(e.get("id", 0)) for e in merged), default=0) + 1
    for change in changes:
        key = change.get("key")
        if not key:
            continue
        for entry in merged:
            if entry["key"] == key:
                entry["value"] = change.get("value")
                break
        else:
            merged.append({"id": next_id, "key": key, "value": change.get("value")})
            next_id += 1
    return merged


def _customer(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["billing"] = json.loads(data["billing"])
    data["meta_data"] = json.loads(data["meta_data"])
    return data
