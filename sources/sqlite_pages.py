"""Deep pages of a local system's list without OFFSET's walk from the first row.

A client paging a list by ``page`` or ``offset`` (WooCommerce's API, as every real shop offers it) has
SQLite step over every row before the page and count the whole list for the paging headers. At a million
hub records (275,000 shop customers, 550,000 orders) the local web shop spent about 14 ms on each
customer page and 18 ms on each order page doing so: over two minutes of one core for one scan, in the
middle of the sync it was benchmarking.

The answers stay exactly OFFSET's. Where a page of a query ended is remembered together with the store's
write generation (a row of the database that every writing connection bumps, in whatever process, see
:class:`sources.sqlite_store.SqliteStore`); the page that starts there continues after that row's sort
key (``WHERE (keys) > (last keys)``), and the count is reused. After any write, both are read again
the OFFSET way. A list sorted by an expression rather than columns always pages by OFFSET.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

#: Remembered page ends and counts (a sequential scan uses one of each at a time; a few clients at once).
REMEMBERED = 64


@dataclass(frozen=True)
class ListQuery:
    """One list: ``SELECT * FROM table [where] ORDER BY keys`` with its parameters. ``keys`` are
    columns whose values together are unique (ending in the primary key), all ascending or all
    descending; ``None`` when the order is an expression (pages then always by OFFSET)."""

    table: str
    where: str  # "" or "WHERE ..."
    params: tuple[Any, ...]
    order_by: str
    keys: tuple[str, ...] | None
    descending: bool = False


class ListPages:
    """Pages and counts of :class:`ListQuery` lists, continuing where the previous page ended."""

    def __init__(self) -> None:
        self._ends: OrderedDict[tuple[ListQuery, int], tuple[int, tuple[Any, ...]]] = OrderedDict()
        self._counts: OrderedDict[ListQuery, tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()  # FastAPI answers sync endpoints on a thread pool

    def read(
        self, db: sqlite3.Connection, query: ListQuery, limit: int, offset: int
    ) -> tuple[list[Any], int]:
        """The rows at ``offset`` (at most ``limit``) and the list's total, from one snapshot of ``db``
        (a connection of a :class:`SqliteStore` with ``WRITE_GENERATION``, outside a transaction)."""
        db.execute("BEGIN")  # generation, count and page from the same snapshot
        generation = db.execute("SELECT generation FROM write_generation").fetchone()[0]
        with self._lock:
            counted = self._counts.get(query)
            end = self._ends.pop((query, offset), None)
        if counted is not None and counted[0] == generation:
            total = counted[1]
        else:
            count = f"SELECT count(*) FROM {query.table} {query.where}"
            total = db.execute(count, query.params).fetchone()[0]
        if end is not None and end[0] == generation and query.keys:
            rows = self._after(db, query, end[1], limit)
        else:
            rows = db.execute(f"SELECT * FROM {query.table} {query.where} ORDER BY {query.order_by} "
                              "LIMIT ? OFFSET ?", [*query.params, limit, offset]).fetchall()
        with self._lock:
            _remember(self._counts, query, (generation, total))
            if rows and query.keys:
                _remember(self._ends, (query, offset + len(rows)), (generation, _keys(rows[-1], query.keys)))
        return rows, total

    @staticmethod
    def _after(db: sqlite3.Connection, query: ListQuery, last: tuple[Any, ...], limit: int) -> list[Any]:
        assert query.keys
        keys = ", ".join(query.keys)
        after = f"({keys}) {'<' if query.descending else '>'} ({', '.join('?' * len(last))})"
        where = f"{query.where} AND {after}" if query.where else f"WHERE {after}"
        return db.execute(f"SELECT * FROM {query.table} {where} ORDER BY {query.order_by} LIMIT ?",
                          [*query.params, *last, limit]).fetchall()


def _keys(row: Any, keys: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(row[key] for key in keys)


def _remember(memo: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    memo[key] = value
    memo.move_to_end(key)
    while len(memo) > REMEMBERED:
        memo.popitem(last=False)
