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


def _plan_rows(count: int):
    import polars as pl

    return pl.DataFrame({"source_system": ["erp"] * count, "source_id": [str(i) for i in range(count)],
                         "shard": [0] * count})


def _save_plan(store: HubStore, run_id: str, count: int) -> None:
    from hub.models import MatchPlanRun, utcnow

    plan = MatchPlanRun(run_id=run_id, full=True, shards=1, model_id=1, started_at=utcnow(), stats={})
    store.runs.save_plan(plan, _plan_rows(count))


def test_a_plan_refilled_with_fewer_rows_is_analyzed_again(store_url):
    """The next run's plan fills ``match_plan`` again after the last one was dropped: analyzed for the
    rows it holds now, not left at the statistics of the bigger plan before."""
    store = HubStore(store_url, upgrade=True)
    try:
        _save_plan(store, "first", 6 * MIN_ROWS)
        store.runs.drop_plan("first")
        _save_plan(store, "second", 2 * MIN_ROWS)
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM match_plan")).scalar() == 2 * MIN_ROWS
            if connection.dialect.name == "sqlite":  # no statistics to keep
                return
            estimate = connection.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'match_plan'"))
            assert estimate.scalar() == 2 * MIN_ROWS  # analyzed after the refill, not 6,000 from before
    finally:
        store.close()
