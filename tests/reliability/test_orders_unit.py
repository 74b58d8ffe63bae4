"""``crmhub sync`` pulls a source's orders as an extract unit of their own, beside its customers: all
of them staged, reported with the source, and a failed orders pull fails the run under the source."""

from __future__ import annotations

from sqlalchemy import func, select

from crmhub.summary import format_run_summary
from hub.models import OrderRow
from hub.pipeline import SyncPipeline, extract_units
from hub.store import HubStore


def _staged_orders(store: HubStore) -> int:
    with store.sessions() as session:
        query = select(func.count()).select_from(OrderRow).where(OrderRow.source_system == "webshop")
        return session.scalar(query)


def test_orders_are_their_own_extract_unit(hub_config, small_sources):
    shop = small_sources.systems["webshop"]
    in_shop = shop.store.list_orders(customer_id=None, page=1, per_page=1)[1]
    assert extract_units(hub_config.enabled_sources) == ["erp", "webshop", "webshop#orders", "legacy_db",
                                                         "legacy_csv"]
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))

    summary = pipeline.run(run_id="first")

    assert summary.failed == {} and in_shop > 0
    steps = {(s["step"], s["source"]): s for s in pipeline.store.runlog.run_steps("first")}
    assert steps["extract-orders", "webshop"]["stats"] == {"orders": in_shop}
    assert "orders" not in steps["extract", "webshop"]["stats"]  # pulled apart, not twice
    assert summary.extracted["webshop"]["orders"] == in_shop == _staged_orders(pipeline.store)
    text = format_run_summary(pipeline.store.runlog.run_steps("first"), pipeline.store.runlog.counts())
    assert f"webshop      {in_shop:>6} orders" in text

    shop.faults.fail_next(1000, status=500)  # now the orders (and the customers) fail
    second = pipeline.run(run_id="second")
    assert set(second.failed) == {"extract:webshop"}
    assert "| orders: " in second.failed["extract:webshop"] and "HTTP 500" in second.failed["extract:webshop"]
    steps = {(s["step"], s["source"]): s for s in pipeline.store.runlog.run_steps("second")}
    assert steps["extract-orders", "webshop"]["status"] == "failed"
    assert _staged_orders(pipeline.store) == in_shop  # nothing stored is lost
    text = format_run_summary(pipeline.store.runlog.run_steps("second"), pipeline.store.runlog.counts())
    assert "webshop      orders FAILED: " in text
