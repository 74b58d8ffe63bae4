"""WebShopConnector against the local shop over real HTTP: paging, resume, faults, push-back."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime

import pytest
import requests
from loopback import pulled_ids

from connectors.base import ConnectorError, PushUpdate
from connectors.rest_shop import changed_fields

VALID_IDS = [str(i) for i in range(1, 11) if i != 9]  # customer 9 has a malformed e-mail



def touch(shop, customer_id: int, **billing: str) -> None:
    """Edit a customer through the shop's API, as a shop user would (bumps date_modified_gmt)."""
    response = requests.put(f"{shop.url}/wp-json/wc/v3/customers/{customer_id}", json={"billing": billing},
                            auth=shop.auth, timeout=5)
    response.raise_for_status()


def test_check_authenticates(shop):
    shop.connector().check()
    expected = r"^webshop\.check: GET /customers -> HTTP 401: Invalid signature - provided signature does not"
    with pytest.raises(ConnectorError, match=expected):
        shop.connector(password="wrong").check()


def test_full_pull_maps_every_script_and_quarantines_the_malformed_row(shop):
    pages = list(shop.connector().pull(None))
    records = {r.source_id: r for page in pages for r in page.records}
    quarantined = [q for page in pages for q in page.quarantined]
    assert sorted(records, key=int) == VALID_IDS
    assert [(q.source_id, "emails" in q.reason) for q in quarantined] == [("9", True)]
    assert quarantined[0].payload["email"] == "broken@@example"
    assert (records["1"].given_name, records["1"].family_name) == ("Иван", "Петров")
    assert records["1"].phones == ["+359881234567"] and str(records["1"].date_of_birth) == "1980-05-17"
    assert records["1"].addresses[0].city == "София" and records["1"].addresses[0].country == "BG"
    assert records["2"].given_name == "สมชาย" and records["3"].family_name == "陳"
    assert records["4"].given_name == "Văn An" and records["7"].family_name == "رضایی"
    assert records["5"].emails == ["j.mueller@example.de", "juergen@work.example.de"]
    company = records["6"]
    assert (company.record_type, company.organization_name, company.tax_id) == (
        "organization", "Müller Bau GmbH", "DE123456789")
    assert records["8"].record_type == "person"
    assert all(r.updated_at.tzinfo is UTC for r in records.values())
    assert records["5"].updated_at.isoformat() == "2024-01-01T08:00:04+00:00"


def test_pages_come_in_id_order_with_the_next_page_as_cursor(shop):
    connector = shop.connector(page_size=4)
    connector.clock = lambda: datetime(2026, 12, 6, 10, 0, 0, 500, tzinfo=UTC)
    pages = list(connector.pull(None))
    assert pulled_ids(pages) == VALID_IDS
    assert [q.source_id for page in pages for q in page.quarantined] == ["9"]
    # the next page, then a new scan and when this complete one finished
    assert [page.cursor for page in pages] == ["scan2|2|", "scan2|3|", "scan2|1|2026-12-06T10:00:00Z"]


def test_resume_after_a_crash_loses_and_repeats_nothing(shop):
    connector = shop.connector(page_size=3)
    first_two = list(itertools.islice(connector.pull(None), 2))  # then the worker "crashes"
    resumed = list(shop.connector(page_size=3).pull(first_two[-1].cursor))
    ids = pulled_ids(first_two) + pulled_ids(resumed)
    assert sorted(ids, key=int) == VALID_IDS and len(ids) == len(set(ids))


def test_every_sync_reads_the_shop_again_because_woocommerce_has_no_modified_filter(shop):
    """The hub, not the connector, keeps only the changed customers (content hashes)."""
    connector = shop.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    touch(shop, 3, city="新北市")
    again = {r.source_id: r for page in connector.pull(cursor) for r in page.records}
    assert sorted(again, key=int) == VALID_IDS and again["3"].addresses[0].city == "新北市"


def test_rows_edited_during_a_run_are_read_once_with_their_new_values(shop):
    pages = shop.connector(page_size=3).pull(None)
    ids = pulled_ids([next(pages)])
    touch(shop, 5, city="Hamburg")  # id order does not move an edited customer
    rest = list(pages)
    ids += pulled_ids(rest)
    assert ids == VALID_IDS
    assert next(r for page in rest for r in page.records if r.source_id == "5").addresses[0].city == "Hamburg"


def test_a_customer_deleted_mid_scan_delays_one_other_to_the_next_scan_never_loses_it(shop):
    connector = shop.connector(page_size=3)
    pages = connector.pull(None)
    ids = pulled_ids([next(pages)])  # 1, 2, 3
    requests.delete(f"{shop.url}/wp-json/wc/v3/customers/2", params={"force": "true"}, auth=shop.auth,
                    timeout=5).raise_for_status()
    scan = list(pages)
    ids += pulled_ids(scan)
    assert "4" not in ids  # the pages shifted one place: 4 moved onto page 1, already read
    assert "4" in pulled_ids(connector.pull(scan[-1].cursor))  # the next scan reads it


def test_503_and_429_are_retried(shop):
    shop.system.faults.fail_next(2, status=503)
    assert sorted(pulled_ids(shop.connector().pull(None)), key=int) == VALID_IDS
    shop.system.faults.throttle_next(1, retry_after=1)
    started = time.monotonic()
    assert sorted(pulled_ids(shop.connector().pull(None)), key=int) == VALID_IDS
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_persistent_5xx_becomes_a_connector_error(shop):
    shop.system.faults.fail_next(50, status=500)
    with pytest.raises(ConnectorError, match=r"webshop\.pull: page 1: GET /customers -> HTTP 500"):
        list(shop.connector().pull(None))


def test_a_malformed_record_is_quarantined_and_the_rest_of_the_page_kept(shop):
    shop.system.faults.malform_next()
    (page,) = list(shop.connector().pull(None))
    assert len(page.records) == len(VALID_IDS) - 1
    reasons = {q.source_id: q.reason for q in page.quarantined}
    assert set(reasons) == {"1", "9"}  # 1 is first in id order and got the injected bad e-mail
    assert "not-an-e-mail" in reasons["1"]


def test_truncated_json_names_system_operation_and_page(shop):
    connector = shop.connector(page_size=4, page_concurrency=1)  # the fault hits the next request: page 2
    pages = connector.pull(None)
    next(pages)
    shop.system.faults.truncate_next()
    with pytest.raises(ConnectorError, match=r"^webshop\.pull: page 2 malformed JSON") as error:
        next(pages)
    assert (error.value.system, error.value.operation) == ("webshop", "pull")


def test_invalid_cursor_is_a_clear_error(shop):
    with pytest.raises(ConnectorError, match="invalid cursor 'page=3'"):
        list(shop.connector().pull("page=3"))


def test_push_writes_golden_id_and_changed_fields_idempotently(shop):
    connector = shop.connector()
    update = PushUpdate("4", "G-000004", {"given_name": "Văn An", "family_name": "Nguyễn",
                                           "emails": ["an.nguyen@example.vn"], "phones": ["+84912345678"],
                                           "city": "Hà Nội", "postal_code": "100000", "updated_at": "x"})
    assert connector.push([update]).pushed == ["4"]
    stored = shop.system.inspect("4")
    assert stored["golden_id"] == "G-000004"
    assert stored["billing"]["postcode"] == "100000" and stored["billing"]["phone"] == "+84912345678"
    modified = stored["date_modified_gmt"]
    time.sleep(1.1)  # a second write would now get a later date_modified_gmt
    assert connector.push([update]).pushed == ["4"]
    assert shop.system.inspect("4")["date_modified_gmt"] == modified


def test_push_failures_are_reported_per_record(shop):
    result = shop.connector().push([
        PushUpdate("999", "G-1", {}),
        PushUpdate("ABC", "G-2", {}),
        PushUpdate("8", "G-3", {"emails": ["not valid"]}),
        PushUpdate("10", "G-4", {}),
    ])
    assert result.pushed == ["10"]  # one batch; each item's failure is its own
    # the golden id alone goes unread: the shop's own answer says the customer is not there
    assert "push 999: Invalid resource ID" in result.failed["999"]
    assert "integers" in result.failed["ABC"]
    assert "Invalid parameter(s): email (rest_invalid_param)" in result.failed["8"]
    assert shop.system.inspect("10")["golden_id"] == "G-4"


def test_pushes_go_in_batches_of_a_hundred_two_calls_each(make_shop, flat_row):
    rows = [flat_row(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", family_name="Batch",
                     email=f"k{i}@example.de", country="DE") for i in range(1, 251)]
    shop = make_shop(rows)
    calls: list[str] = []
    connector = shop.connector(push_concurrency=1)  # one batch after another, on this thread's session
    connector.session.hooks["response"].append(lambda r, *a, **k: calls.append(f"{r.request.method}"))
    result = connector.push([PushUpdate(str(i), f"G-{i}", {"city": "Batch"}) for i in range(1, 251)])
    assert len(result.pushed) == 250 and result.failed == {}
    assert calls == ["GET", "POST"] * 3  # 100 + 100 + 50
    assert shop.system.inspect("250")["golden_id"] == "G-250"
    calls.clear()
    again = [PushUpdate(str(i), f"G-{i}", {"city": "Batch"}) for i in range(1, 101)]
    assert connector.push(again).pushed  # no change:
    assert calls == ["GET"]  # read, nothing to write


def test_golden_ids_alone_are_written_without_reading_the_customers_first(make_shop, flat_row):
    rows = [flat_row(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", family_name="Batch",
                     email=f"k{i}@example.de", country="DE") for i in range(1, 151)]
    shop = make_shop(rows)
    calls: list[str] = []
    connector = shop.connector(push_concurrency=1)
    connector.session.hooks["response"].append(lambda r, *a, **k: calls.append(f"{r.request.method}"))
    result = connector.push([PushUpdate(str(i), f"G-{i}", {}) for i in range(1, 151)])
    assert (len(result.pushed), result.failed) == (150, {})
    assert calls == ["POST", "POST"]
    assert shop.system.inspect("150")["golden_id"] == "G-150"
    stamps = {i: shop.system.inspect(str(i))["date_modified_gmt"] for i in range(1, 151)}
    assert connector.push([PushUpdate(str(i), f"G-{i}", {}) for i in range(1, 151)]).pushed  # the same ids
    assert {i: shop.system.inspect(str(i))["date_modified_gmt"] for i in range(1, 151)} == stamps


def test_push_golden_id_only_when_fields_are_not_pushed(shop):
    shop.connector(push_fields=False).push([PushUpdate("2", "G-2", {"given_name": "Somchai"})])
    stored = shop.system.inspect("2")
    assert (stored["golden_id"], stored["first_name"]) == ("G-2", "สมชาย")


def test_changed_fields_sends_only_differences():
    current = {"email": "a@example.com", "first_name": "Ann", "billing": {"city": "Wien", "phone": "1"},
               "meta_data": [{"key": "vat_number", "value": "ATU1"}], "id": 5}
    desired = {"email": "a@example.com", "first_name": "Anna", "billing.city": "Wien", "billing.phone": "",
               "meta.vat_number": "ATU2", "id": "6", "date_modified_gmt": "2030-01-01T00:00:00",
               "record_type": "organization"}
    assert changed_fields(current, desired) == {
        "first_name": "Anna", "meta_data": [{"key": "vat_number", "value": "ATU2"}]}


def test_orders_of_a_customer(shop):
    orders = shop.connector().orders("1")
    assert orders == [{**o, "date_created": o["date_created_gmt"], "prices_include_tax": True}
                      for o in shop.system.store.list_orders(customer_id=1, page=1, per_page=100)[0]]


def test_every_kind_of_bad_seeded_value_is_quarantined_with_its_reason(make_shop, flat_row):
    good = dict(given_name="Good", family_name="Row", email="good@example.de", country="DE")
    rows = [
        flat_row(1, "2024-02-30T00:00:00Z", record_type="organization", organization_name="Bad Date AG",
                 country="DE"),
        flat_row(2, "2024-01-01T00:00:02Z", **{**good, "given_name": "Ste\x07fan"}),
        flat_row(3, "2024-01-01T00:00:03Z", **{**good, "street": "Lange Straße " * 50}),
        flat_row(4, "2024-01-01T00:00:04Z", email="nobody@example.de", country="DE"),
        flat_row(5, "2024-01-01T00:00:05Z", **{**good, "phone": "call me"}),
        flat_row(6, "2024-01-01T00:00:06Z", **{**good, "country": "Deutschland"}),
        flat_row(7, "2024-01-01T00:00:07Z", **good),
    ]
    shop = make_shop(rows)
    pages = list(shop.connector(page_size=3).pull(None))
    reasons = {q.source_id: q.reason for page in pages for q in page.quarantined}
    assert pulled_ids(pages) == ["7"]
    assert sorted(reasons) == ["1", "2", "3", "4", "5", "6"]
    assert "updated_at" in reasons["1"] and "control characters" in reasons["2"]
    assert "longer than 500" in reasons["3"] and "no name" in reasons["4"]
    assert "phone" in reasons["5"] and "ISO 3166" in reasons["6"]
