"""``crmhub sync`` pulls a source's orders as an extract unit of their own -- with worker processes
aside, beside the match, which reads no order: all of them staged, reported with the source, and a
failed orders pull fails the run under the source."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

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


def test_with_workers_the_match_does_not_wait_for_the_orders(
    hub_config, small_sources, tmp_path, monkeypatch
):
    shop = small_sources.systems["webshop"]
    in_shop = shop.store.list_orders(customer_id=None, page=1, per_page=1)[1]
    flag = tmp_path / "orders"  # the orders' pull holds after its first page until ``orders.go`` exists
    monkeypatch.setenv("CRMHUB_PAUSE_AT", "orders.staged")
    monkeypatch.setenv("CRMHUB_PAUSE_FILE", str(flag))
    config = hub_config.model_copy(update={"source_workers": 2})
    pipeline = SyncPipeline(config, HubStore(config.database_url, upgrade=True))
    watching = HubStore(config.database_url)
    try:
        with ThreadPoolExecutor(1) as thread:
            running = thread.submit(pipeline.run, run_id="first")
            try:
                held = flag.with_suffix(".waiting")

                def matched_and_held(steps: dict) -> bool:
                    return bool(steps.get(("match", None), {}).get("finished_at")) and held.exists()

                # the orders cannot finish before ``orders.go``: a match done by then did not wait
                _steps_once(watching, "first", matched_and_held)
                steps = _steps_once(watching, "first", lambda _: True)  # read after the hold began
                assert held.exists()
                orders = steps["extract-orders", "webshop"]
                assert steps["match", None]["status"] == "success"
                assert orders["status"] == "running" and not orders.get("finished_at")
                # the customers' extracts done before the match: only the orders still running
                customers = [s for (name, _), s in steps.items() if name == "extract"]
                assert len(customers) == 4 and all(s["status"] == "success" for s in customers)
            finally:
                flag.with_suffix(".go").touch()
            summary = running.result(timeout=120)
        assert summary.failed == {} and in_shop > 0
        assert summary.extracted["webshop"]["orders"] == in_shop == _staged_orders(pipeline.store)
        assert summary.published  # published after the orders were in
    finally:
        watching.close()
        pipeline.store.close()


def _steps_once(store: HubStore, run_id: str, ready, seconds: float = 60.0) -> dict:  # noqa: ANN001
    """The run's steps by (step, source), once ``ready(steps)`` holds."""
    deadline = time.monotonic() + seconds
    while True:
        steps = {(s["step"], s["source"]): s for s in store.runlog.run_steps(run_id)}
        if ready(steps) or time.monotonic() > deadline:
            return steps
        time.sleep(0.1)
