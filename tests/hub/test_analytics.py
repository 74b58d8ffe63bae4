"""crmhub report: overlap, new customers, retention/defection and lifetime value over golden records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hub.analytics import build_report, format_report
from hub.consolidate import consolidate
from hub.store import HubStore
from schemas import CustomerRecord, HubConfig, OrderRecord, RecordKey


def _person(system: str, source_id: str, name: str, year: int) -> CustomerRecord:
    return CustomerRecord(
        source_system=system,
        source_id=source_id,
        full_name=name,
        country="DE",
        updated_at=datetime(year, 3, 1, tzinfo=UTC),
    )


def _order(order_id: str, customer: str, total: str, month: int, year: int = 2025) -> OrderRecord:
    return OrderRecord(
        source_system="webshop",
        order_id=order_id,
        customer_source_id=customer,
        total=Decimal(total),
        currency="EUR",
        ordered_at=datetime(year, month, 15, tzinfo=UTC),
    )


def test_report_over_golden_records_and_orders(store_url):
    store = HubStore(store_url, upgrade=True)
    config = HubConfig(
        database_url=store_url, sources=[{"name": "erp", "kind": "csv"}, {"name": "webshop", "kind": "csv"}]
    )
    store.staging.stage_page("erp", [_person("erp", "1", "Anna Weber", 2024)], [], cursor=None)
    store.staging.stage_page(
        "webshop",
        [_person("webshop", "10", "Anna Weber", 2025), _person("webshop", "11", "Ben Kurz", 2025)],
        [],
        cursor=None,
    )
    consolidate(
        store,
        config,
        {0: [RecordKey("erp", "1"), RecordKey("webshop", "10")], 1: [RecordKey("webshop", "11")]},
        run_id="r1",
    )
    store.staging.stage_orders(
        "webshop",
        [
            _order("o1", "10", "100.00", 1),
            _order("o2", "10", "50.00", 5),
            _order("o3", "11", "30.00", 2),
            _order("o4", "10", "20.00", 2, 2026),
        ],
        [],
        cursor="c",
    )

    report = build_report(store, period="quarter")
    assert report.golden_records == 2
    assert dict(report.overlap) == {"erp+webshop": 1, "webshop": 1}
    assert dict(report.new_customers) == {"2024-Q1": 1, "2025-Q1": 1}  # Anna first seen in the ERP in 2024
    q1 = next(r for r in report.retention if r["period"] == "2025-Q1")
    assert (q1["next"], q1["active"], q1["retained"], q1["retention_rate"]) == ("2025-Q2", 2, 1, 0.5)
    assert q1["defection_rate"] == 0.5
    clv = report.lifetime_value["EUR"]
    assert (clv["customers"], clv["orders"], clv["revenue"]) == (2, 4, Decimal("200.00"))
    assert clv["top"][0][1:] == ("Anna Weber", Decimal("170.00"))
    assert clv["yearly_defection_rate"] == 0.5  # 2025 -> 2026: Anna stays, Ben leaves
    text = format_report(report)
    assert "erp+webshop" in text and "retention 50.0%" in text and "*customer since*" in text
