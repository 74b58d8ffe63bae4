"""``Page.joined`` / ``OrderPage.joined``: consecutive pages as one, for one transaction (``hub.pipeline``
stages the pages that waited together): rows in order, later digests win, the last cursor that moved."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.base import OrderPage, Page
from schemas import CustomerRecord, OrderRecord, QuarantinedRecord


def _record(source_id: str, name: str) -> CustomerRecord:
    return CustomerRecord(source_system="shop", source_id=source_id, given_name=name, family_name="Silva")


def test_pages_joined_keep_their_rows_in_order_and_the_last_cursor_that_moved():
    bad = QuarantinedRecord(source_system="shop", source_id="9", reason="no name", payload={})
    first = Page(records=[_record("1", "Ana")], cursor="c1", unchanged=["7"], row_digests={"1": "a"})
    later = [_record("1", "Anna"), _record("2", "Rui")]
    second = Page(records=later, quarantined=[bad], row_digests={"1": "b"})
    third = Page(cursor=None, unchanged=["8"])  # moved no cursor
    joined = Page.joined([first, second, third])
    rows = [(r.source_id, r.given_name) for r in joined.records]
    assert rows == [("1", "Ana"), ("1", "Anna"), ("2", "Rui")]
    assert joined.quarantined == [bad] and joined.unchanged == ["7", "8"]
    assert joined.row_digests == {"1": "b"} and joined.cursor == "c1"
    assert Page.joined([first]) is first


def test_order_pages_joined():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    orders = [OrderRecord(source_system="shop", order_id=str(n), customer_source_id="1", total=n,
                          currency="EUR", status="completed", ordered_at=at) for n in range(3)]
    pages = [OrderPage(orders=orders[:2], cursor="p1"), OrderPage(orders=orders[2:], cursor="p2")]
    joined = OrderPage.joined(pages)
    assert joined.orders == orders and joined.cursor == "p2" and joined.quarantined == []
