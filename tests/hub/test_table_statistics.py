"""A table a first sync fills is analyzed as it grows (PostgreSQL), so that its look-ups are planned
for the rows it holds, not for the empty table it was: the order look-up of each staged page seeks the
primary key instead of filtering every order of the source."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, text

from hub.models import OrderRow
from hub.store import HubStore
from hub.store.table_statistics import MIN_ROWS
from schemas.order import OrderRecord


def _order(i: int) -> OrderRecord:
    return OrderRecord(source_system="webshop", order_id=str(i), customer_source_id=str(i // 2),
                       total=Decimal("9.90"), currency="EUR", ordered_at=datetime(2024, 1, 1, tzinfo=UTC))


def _plan(store: HubStore, ids: list[str]) -> str:
    query = select(OrderRow.order_id).where(OrderRow.source_system == "webshop", OrderRow.order_id.in_(ids))
    with store.engine.connect() as connection:
        sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        if connection.dialect.name == "sqlite":
            return "\n".join(row[-1] for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql)))
        return "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + sql)))


def test_staged_pages_keep_the_order_lookup_on_the_primary_key(store_url):
    store = HubStore(store_url, upgrade=True)
    try:
        page, rows = 1_000, 40 * MIN_ROWS  # enough that a seek beats reading the whole table
        for start in range(0, rows, page):  # a first sync: page after page, each committed
            store.staging.stage_orders("webshop", [_order(i) for i in range(start, start + page)], [], None)
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM orders")).scalar() == rows
        plan = _plan(store, [str(i) for i in range(30_000, 30_100)])
        if store.engine.dialect.name == "sqlite":  # a unique index wins an equality look-up unanalyzed
            assert "sqlite_autoindex_orders_1 (source_system=? AND order_id=?)" in plan, plan
            return
        with store.engine.connect() as connection:
            estimate = connection.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'orders'"))
            estimate = estimate.scalar()
        assert estimate is not None and estimate >= rows / 2  # analyzed on the way, not left at -1
        assert "orders_pkey" in plan and "ix_orders_customer" not in plan, plan
    finally:
        store.close()
