"""With option ``page_concurrency`` the web shop's customer scan and order stream keep several page
requests in flight once the shop has counted the pages: the same pages, records, cursors and orders as
one request after another, requests the shop really answers at once, none past the last page."""

from __future__ import annotations

CUSTOMERS, PAGE = 23, 5  # five pages, the last one short


def _rows(flat_row) -> list[dict[str, str]]:
    return [flat_row(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", family_name="Seiten",
                     email=f"s{i}@example.de", country="DE") for i in range(1, CUSTOMERS + 1)]


def _scan(shop, concurrency: int) -> list[tuple[list[str], str | None]]:
    connector = shop.connector(page_size=PAGE, page_concurrency=concurrency)
    return [([r.source_id for r in page.records], page.cursor) for page in connector.pull(None)]


def test_the_scan_reads_pages_ahead_with_the_same_result(make_shop, flat_row):
    shop = make_shop(_rows(flat_row), latency=0.05)
    one_by_one = _scan(shop, 1)
    assert shop.in_flight.peak == 1
    shop.in_flight.peak = 0

    ahead = _scan(shop, 4)

    assert ahead[:-1] == one_by_one[:-1]
    assert ahead[-1][0] == one_by_one[-1][0]  # the last cursor says when the scan finished: that differs
    assert [n for page, _ in ahead for n in page] == [str(i) for i in range(1, CUSTOMERS + 1)]
    assert shop.in_flight.peak == 4
    assert shop.in_flight.calls == 2 * 5  # both scans: five pages each, none past the last


def test_the_order_stream_reads_pages_ahead_with_the_same_result(make_shop, flat_row):
    shop = make_shop(_rows(flat_row), latency=0.05)
    in_shop = shop.system.store.list_orders(customer_id=None, page=1, per_page=100)[0]
    assert len(in_shop) > 2 * PAGE

    def orders(concurrency: int) -> list[tuple[list[str], str | None]]:
        connector = shop.connector(page_size=PAGE, page_concurrency=concurrency)
        return [([o.order_id for o in page.orders], page.cursor) for page in connector.pull_orders(None)]

    one_by_one = orders(1)
    shop.in_flight.peak = 0
    assert orders(4) == one_by_one
    assert [n for page, _ in one_by_one for n in page] == [str(o["id"]) for o in in_shop]
    assert shop.in_flight.peak > 1
