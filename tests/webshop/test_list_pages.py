"""Deep list pages continue where the previous page ended, and answer exactly what OFFSET answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sources.sqlite_pages import ListPages, ListQuery
from sources.webshop.store import ShopStore


def _customer(i: int) -> dict[str, object]:
    # registration dates with ties (every third customer shares one) so that the key needs the id too
    return {"id": i, "email": f"c{i}@example.com", "first_name": f"F{i % 7}", "last_name": f"L{i}",
            "date_created_gmt": f"2024-01-{1 + i // 3 % 28:02d}T00:00:00",
            "date_modified_gmt": "2024-02-01T00:00:00", "billing": {"city": "Berlin"}}


@pytest.fixture()
def store(tmp_path: Path) -> ShopStore:
    shop = ShopStore(tmp_path / "shop.sqlite")
    shop.insert_customers(_customer(i) for i in range(1, 48))
    shop.add_orders({"customer_id": 1 + i % 47, "status": "completed", "currency": "EUR", "total": "1.00",
                     "date_created_gmt": f"2024-03-{1 + i // 4 % 28:02d}T10:00:00"} for i in range(90))
    return shop


def _by_offset(path: Path, sql: str, params: list[object], per_page: int, page: int) -> list[int]:
    with sqlite3.connect(path) as db:
        rows = db.execute(f"{sql} LIMIT ? OFFSET ?", [*params, per_page, (page - 1) * per_page])
        return [row[0] for row in rows]


def _scan(list_page, per_page: int) -> list[list[int]]:  # noqa: ANN001 - a store method, bound
    pages, page = [], 1
    while True:
        rows, _total = list_page(page=page, per_page=per_page)
        pages.append([int(row["id"]) for row in rows])
        if len(rows) < per_page:
            return pages
        page += 1


@pytest.mark.parametrize(("orderby", "order", "sql"), [
    ("id", "asc", "SELECT id FROM customers ORDER BY id"),
    ("id", "desc", "SELECT id FROM customers ORDER BY id DESC"),
    ("registered_date", "asc", "SELECT id FROM customers ORDER BY date_created_gmt, id"),
    ("registered_date", "desc", "SELECT id FROM customers ORDER BY date_created_gmt DESC, id DESC"),
    ("name", "asc", "SELECT id FROM customers ORDER BY lower(first_name || ' ' || last_name), id"),
])
def test_a_scan_gets_the_pages_offset_gets(store, orderby, order, sql):
    pages = _scan(lambda **kw: store.list_customers(orderby=orderby, order=order, **kw), per_page=5)
    expected = [_by_offset(store.path, sql, [], 5, page) for page in range(1, len(pages) + 1)]
    assert pages == expected
    assert sum(map(len, pages)) == 47


def test_order_pages_and_filters(store):
    after = "2024-03-05T10:00:00"
    pages = _scan(lambda **kw: store.list_orders(customer_id=None, created_after=after, **kw), 7)
    sql = "SELECT id FROM orders WHERE date_created_gmt > ? ORDER BY date_created_gmt, id"
    expected = [_by_offset(store.path, sql, ["2024-03-05T10:00:00"], 7, p) for p in range(1, len(pages) + 1)]
    assert pages == expected and sum(map(len, pages)) == 70  # orders 20-89
    rows, total = store.list_customers(page=2, per_page=2, include=[3, 9, 4, 30, 12])
    assert ([row["id"] for row in rows], total) == ([9, 12], 5)


def test_a_write_between_pages_sends_the_next_page_back_to_offset(store):
    first, total = store.list_customers(page=1, per_page=5)
    assert total == 47
    # another connection (as another process would) deletes a customer on the first page
    ShopStore(store.path).delete_customer(int(first[0]["id"]))
    second, total = store.list_customers(page=2, per_page=5)
    by_offset = _by_offset(store.path, "SELECT id FROM customers ORDER BY id", [], 5, 2)
    assert [row["id"] for row in second] == by_offset
    assert [row["id"] for row in second] == [7, 8, 9, 10, 11] and total == 46
    # an update that changes nothing counts as no write; one that changes a row is a write
    store.update_customer(20, {"first_name": "F6"})
    third, _ = store.list_customers(page=3, per_page=5)
    assert [row["id"] for row in third] == [12, 13, 14, 15, 16]


def test_a_continued_page_reads_no_offset(store):
    """The point of it: the next page starts at the last row's key instead of stepping over the first."""
    statements: list[str] = []
    pages = ListPages()
    query = ListQuery("customers", "WHERE email LIKE ?", ("c%",), "id ASC", ("id",))
    with sqlite3.connect(store.path) as db:
        db.row_factory = sqlite3.Row
        db.set_trace_callback(statements.append)
        first, total = pages.read(db, query, 10, 0)
        db.commit()
        statements.clear()
        second, again = pages.read(db, query, 10, 10)
        db.commit()
    assert [row["id"] for row in first] == list(range(1, 11)) and total == again == 47
    assert [row["id"] for row in second] == list(range(11, 21))
    assert not any("OFFSET" in s or "count(" in s for s in statements), statements
    assert any("WHERE email LIKE 'c%' AND (id) > (10)" in s for s in statements), statements
