"""The web shop's order stream (for lifetime value and retention): incremental, resumable, no duplicates."""

from __future__ import annotations

from decimal import Decimal


def test_orders_are_pulled_incrementally_and_resume_exactly(shop):
    connector = shop.connector(page_size=3)
    pages = list(connector.pull_orders(None))
    orders = [o for page in pages for o in page.orders]
    expected = shop.system.store.list_orders(customer_id=None, page=1, per_page=100)[0]
    assert [o.order_id for o in orders] == [str(o["id"]) for o in expected]
    assert len(pages) >= 2 and all(p.cursor for p in pages if p.orders)

    # Crash after the first page: resuming from its cursor delivers exactly the rest.
    resumed = [o for page in connector.pull_orders(pages[0].cursor) for o in page.orders]
    assert [o.order_id for o in pages[0].orders] + [o.order_id for o in resumed] == [
        o.order_id for o in orders
    ]

    # Nothing new since the last cursor: nothing pulled.
    assert [o for page in connector.pull_orders(pages[-1].cursor) for o in page.orders] == []

    shop.system.store.add_orders(
        [
            {
                "customer_id": int(orders[0].customer_source_id),
                "status": "completed",
                "currency": "EUR",
                "total": "19.90",
                "date_created_gmt": "2030-01-01T00:00:00",
            }
        ]
    )
    new = [o for page in connector.pull_orders(pages[-1].cursor) for o in page.orders]
    assert [(o.total, o.currency, o.ordered_at.year) for o in new] == [(Decimal("19.90"), "EUR", 2030)]
