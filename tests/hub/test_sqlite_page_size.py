"""A new SQLite store gets ``hub.db.SQLITE_PAGE_SIZE`` pages; a store made with SQLite's default keeps
its pages and works as before (the pragma cannot change a database that holds tables, nor one in WAL)."""

from __future__ import annotations

import sqlite3

from hub.db import SQLITE_PAGE_SIZE
from hub.store import HubStore
from schemas import CustomerRecord


def _page_size(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA page_size").fetchone()[0]


def _stage_one(url: str) -> int:
    store = HubStore(url, upgrade=True)
    try:
        record = CustomerRecord(source_system="erp", source_id="1", given_name="Ana", family_name="Silva")
        store.staging.stage_page("erp", [record], [], cursor="c1")
        return store.staging.live_count()
    finally:
        store.close()


def test_a_new_store_gets_the_large_pages(tmp_path):
    path = tmp_path / "hub.db"
    assert _stage_one(f"sqlite:///{path}") == 1
    assert SQLITE_PAGE_SIZE != 4096 and _page_size(path) == SQLITE_PAGE_SIZE


def test_a_store_made_with_small_pages_keeps_them_and_works(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:  # as a store made before: SQLite's default, WAL
        connection.execute("PRAGMA page_size=4096")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE made_before (x)")
    assert _stage_one(f"sqlite:///{path}") == 1
    assert _page_size(path) == 4096
