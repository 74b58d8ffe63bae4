"""Analytical CRM over golden records: source overlap, new customers, retention/defection, lifetime value.

Definitions (printed with the report, so nobody has to guess):
- *customer since*: the earliest date any system shows for the customer — the first order, or the
  oldest change timestamp of its source records (the canonical record has no creation date).
- *active in a period*: placed at least one order in it. *Retention* from one period to the next:
  share of the period's active customers also active in the next; *defection* = 1 - retention.
- *historical lifetime value*: sum of order totals per customer and currency. *Predicted* lifetime
  value: average order value x orders per active year x expected lifetime in years
  (1 / yearly defection rate, capped at 10 years).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from hub.models import GoldenRecordRow, OrderRow, SourceRecordRow
from hub.store import HubStore
from schemas import RecordKey

PERIODS = ("month", "quarter", "year")


def period_of(moment: datetime, period: str) -> str:
    if period == "month":
        return f"{moment.year}-{moment.month:02d}"
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    if period == "year":
        return str(moment.year)
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


@dataclass
class CustomerReport:
    period: str
    golden_records: int
    overlap: list[tuple[str, int]] = field(default_factory=list)  # "erp+webshop" -> customers
    new_customers: list[tuple[str, int]] = field(default_factory=list)
    retention: list[dict[str, Any]] = field(default_factory=list)
    lifetime_value: dict[str, dict[str, Any]] = field(default_factory=dict)  # currency -> figures


def build_report(store: HubStore, period: str = "quarter") -> CustomerReport:
    membership = store.golden.membership()
    with store.sessions() as session:
        active = set(
            session.scalars(select(GoldenRecordRow.golden_id).where(GoldenRecordRow.status == "active"))
        )
        changed = {
            RecordKey(s, i): t
            for s, i, t in session.execute(
                select(
                    SourceRecordRow.source_system,
                    SourceRecordRow.source_id,
                    SourceRecordRow.source_updated_at,
                )
            )
        }
        names = dict(session.execute(select(GoldenRecordRow.golden_id, GoldenRecordRow.display_name)).all())
        orders = list(
            session.execute(
                select(
                    OrderRow.source_system,
                    OrderRow.customer_source_id,
                    OrderRow.total,
                    OrderRow.currency,
                    OrderRow.ordered_at,
                )
            )
        )
    systems: dict[str, set[str]] = defaultdict(set)
    since: dict[str, datetime] = {}
    for key, golden_id in membership.items():
        systems[golden_id].add(key.source_system)
        if (moment := changed.get(key)) is not None:
            since[golden_id] = min(since.get(golden_id, moment), moment)
    report = CustomerReport(period=period, golden_records=len(active))
    report.overlap = Counter("+".join(sorted(s)) for g, s in systems.items() if g in active).most_common()

    per_customer: dict[str, list[tuple[datetime, Decimal, str]]] = defaultdict(list)
    for system, customer_id, total, currency, ordered_at in orders:
        owner = membership.get(RecordKey(system, customer_id))
        if owner is not None and owner in active:
            per_customer[owner].append((ordered_at, Decimal(str(total)), currency))
            since[golden_id] = min(since.get(golden_id, ordered_at), ordered_at)
    report.new_customers = sorted(Counter(period_of(since[g], period) for g in active if g in since).items())
    report.retention = _retention(per_customer, period)
    report.lifetime_value = _lifetime_value(per_customer, names)
    return report


def _retention(
    per_customer: dict[str, list[tuple[datetime, Decimal, str]]], period: str
) -> list[dict[str, Any]]:
    active: dict[str, set[str]] = defaultdict(set)
    for golden_id, orders in per_customer.items():
        for ordered_at, _, _ in orders:
            active[period_of(ordered_at, period)].add(golden_id)
    periods = sorted(active)
    rows = []
    for current, following in zip(periods, periods[1:], strict=False):
        retained = len(active[current] & active[following])
        rate = retained / len(active[current])
        rows.append(
            {
                "period": current,
                "next": following,
                "active": len(active[current]),
                "retained": retained,
                "retention_rate": round(rate, 4),
                "defection_rate": round(1 - rate, 4),
            }
        )
    return rows


def _lifetime_value(
    per_customer: dict[str, list[tuple[datetime, Decimal, str]]], names: dict[str, str | None]
) -> dict[str, dict[str, Any]]:
    by_currency: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for golden_id, orders in per_customer.items():
        for ordered_at, total, currency in orders:
            by_currency[currency][golden_id].append((ordered_at, total))
    out: dict[str, dict[str, Any]] = {}
    for currency, customers in by_currency.items():
        values = {g: sum(t for _, t in o) for g, o in customers.items()}
        all_orders = [t for o in customers.values() for _, t in o]
        years = {g: {at.year for at, _ in o} for g, o in customers.items()}
        orders_per_year = statistics.fmean(len(o) / len(years[g]) for g, o in customers.items())
        yearly_active: dict[int, set[str]] = defaultdict(set)
        for g, ys in years.items():
            for y in ys:
                yearly_active[y].add(g)
        ordered_years = sorted(yearly_active)
        rates = [
            len(yearly_active[a] & yearly_active[b]) / len(yearly_active[a])
            for a, b in zip(ordered_years, ordered_years[1:], strict=False)
        ]
        defection = 1 - statistics.fmean(rates) if rates else None
        lifetime_years = min(10.0, 1 / defection) if defection else 10.0
        average_order = sum(all_orders) / len(all_orders)
        top = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        out[currency] = {
            "customers": len(values),
            "orders": len(all_orders),
            "revenue": sum(values.values()),
            "historical_average": round(sum(values.values()) / len(values), 2),
            "historical_median": statistics.median(values.values()),
            "predicted_average": round(average_order * Decimal(str(orders_per_year * lifetime_years)), 2),
            "yearly_defection_rate": None if defection is None else round(defection, 4),
            "top": [(g, names.get(g) or "", v) for g, v in top],
        }
    return out


def format_report(report: CustomerReport) -> str:
    lines = [
        f"Customer report over {report.golden_records} golden records (periods: {report.period})",
        "",
        "Customers per source overlap:",
    ]
    lines += [f"  {systems:<40} {count:>7}" for systems, count in report.overlap]
    lines += ["", "New customers per period (first seen in any system):"]
    lines += [f"  {period:<10} {count:>7}" for period, count in report.new_customers]
    lines += ["", "Retention (customers with orders in a period who order again in the next):"]
    lines += [
        f"  {r['period']} -> {r['next']}: {r['retained']}/{r['active']} retained, retention "
        f"{r['retention_rate']:.1%}, defection {r['defection_rate']:.1%}"
        for r in report.retention
    ]
    if not report.retention:
        lines.append("  (no order history over two periods)")
    lines += ["", "Customer lifetime value:"]
    for currency, v in report.lifetime_value.items():
        lines.append(
            f"  {currency}: {v['customers']} customers, {v['orders']} orders, revenue {v['revenue']}; "
            f"historical average {v['historical_average']}, median {v['historical_median']}; "
            f"predicted average {v['predicted_average']}"
        )
        lines += [f"     top: {g}  {name:<30} {value}" for g, name, value in v["top"]]
    if not report.lifetime_value:
        lines.append("  (no orders pulled: connect a web shop)")
    lines += ["", __doc__.split("Definitions", 1)[1].strip().replace("\n", "\n  ")]
    return "\n".join(lines)
