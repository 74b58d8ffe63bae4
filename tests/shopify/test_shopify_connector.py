"""The Shopify connector against the local store over real HTTP on loopback: pull, resume, push, faults."""

from __future__ import annotations

import itertools
import time

import pytest
from loopback import pulled_ids
from seed_samples import defect_only_in_full_name

from connectors.base import ConnectorError, PushUpdate
from connectors.http import build_session
from connectors.registry import connector_class
from connectors.shopify import RunState, ShopifyConnector
from sources.generator import generate_dataset

VALID_IDS = [str(i) for i in range(1, 11) if i != 9]



def touch(shop, customer_id: int, **fields) -> None:
    """Change a customer the way staff would in the admin (bumps ``updated_at``)."""
    response = shop.put(f"/customers/{customer_id}.json", {"customer": {"id": customer_id, **fields}})
    assert response.status_code == 200, response.text


def test_registered_under_kind_shopify():
    assert connector_class("shopify") is ShopifyConnector


def test_check_and_a_wrong_token_is_a_clear_error(shop):
    shop.connector(api="rest").check()
    with pytest.raises(ConnectorError, match=r"^shopify\.check: GET /shop\.json -> HTTP 401: \[API\] "):
        shop.connector(api="rest", password="shpat_wrong").check()


def test_full_pull_maps_customers_onto_canonical_records(shop):
    records = {r.source_id: r for page in shop.connector(api="rest").pull(None) for r in page.records}
    assert sorted(records, key=int) == VALID_IDS
    assert (records["1"].given_name, records["1"].family_name) == ("Иван", "Петров")
    assert records["1"].phones == ["+359881234567"] and records["1"].addresses[0].city == "София"
    assert records["2"].given_name == "สมชาย" and records["3"].family_name == "陳"
    assert records["4"].given_name == "Văn An" and records["4"].country == "VN"
    company = records["6"]
    assert (company.record_type, company.organization_name) == ("organization", "Müller Bau GmbH")
    assert records["5"].emails == ["j.mueller@example.de"]
    assert records["5"].updated_at.isoformat() == "2024-01-01T10:00:04+00:00"  # shop zone -> UTC
    assert records["5"].raw["updated_at"] == "2024-01-01T17:00:04+07:00"


def test_pages_follow_link_headers_with_a_cursor_after_each(shop):
    pages = list(shop.connector(api="rest", page_size=3).pull(None))
    assert pulled_ids(pages) == VALID_IDS
    assert [len(p.records) + len(p.quarantined) for p in pages] == [3, 3, 3, 1]
    states = [RunState.decode(p.cursor) for p in pages]
    assert all(s.page_info and s.since is None for s in states[:-1])
    assert states[-1] == RunState(since=states[0].started)  # the next run starts where this one started


def test_resume_after_a_crash_loses_and_repeats_nothing(shop):
    """The first two pages, then a "crash"; a new connector resumes from the last cursor."""
    first_two = list(itertools.islice(shop.connector(api="rest", page_size=3).pull(None), 2))
    resumed = list(shop.connector(api="rest", page_size=3).pull(first_two[-1].cursor))
    ids = pulled_ids(first_two) + pulled_ids(resumed)
    assert ids == VALID_IDS and [q.source_id for p in resumed for q in p.quarantined] == ["9"]


def test_a_rejected_page_token_restarts_the_run_without_loss(shop):
    first = next(shop.connector(api="rest", page_size=3).pull(None))
    state = RunState.decode(first.cursor)
    stale = RunState(state.since, state.started, "bm90LWEtdG9rZW4").encode()  # the shop no longer knows it
    ids = pulled_ids([first, *shop.connector(api="rest", page_size=3).pull(stale)])
    assert set(ids) == set(VALID_IDS) and ids.count("1") == 2  # duplicates, never gaps


def test_incremental_run_pulls_only_what_changed_after_the_cursor(shop):
    connector = shop.connector(api="rest", page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    touch(shop, 3, first_name="志明 Jimmy")
    touch(shop, 1, last_name="Петрова")
    # a run starting in the same server second as an edit reads it again next time; uvicorn refreshes
    # its Date header once a second, so the server's clock may lag by up to one more second
    time.sleep(2.1)
    changed = list(connector.pull(cursor))
    records = {r.source_id: r for page in changed for r in page.records}
    assert sorted(records) == ["1", "3"]
    assert records["1"].family_name == "Петрова" and records["3"].given_name == "志明 Jimmy"
    assert list(connector.pull(changed[-1].cursor)) == []


def test_customers_edited_during_a_run_are_not_lost(shop):
    pages = shop.connector(api="rest", page_size=3).pull(None)
    ids = pulled_ids([next(pages)])
    touch(shop, 2, first_name="Somchai")  # already delivered: its position is behind the cursor
    rest = list(pages)
    ids += pulled_ids(rest)
    assert set(ids) == set(VALID_IDS) and ids.count("2") == 1
    again = {r.source_id: r for p in shop.connector(api="rest").pull(rest[-1].cursor) for r in p.records}
    assert again["2"].given_name == "Somchai"  # the next incremental run picks the edit up


def test_503_and_429_with_decimal_retry_after_are_retried(shop):
    shop.system.faults.fail_next(2, status=503)
    assert pulled_ids(shop.connector(api="rest").pull(None)) == VALID_IDS
    shop.system.faults.throttle_next(1, retry_after=1)  # answered as "Retry-After: 1.0", like Shopify
    started = time.monotonic()
    assert pulled_ids(shop.connector(api="rest").pull(None)) == VALID_IDS
    assert time.monotonic() - started >= 1.0


def test_the_shared_session_waits_out_shopifys_decimal_retry_after(shop):
    """urllib3 alone rejects ``Retry-After: 1.0``; the hub's retry policy reads it and waits."""
    shop.system.faults.throttle_next(1, retry_after=1)
    started = time.monotonic()
    response = build_session().get(shop.api + "/shop.json",
                                   headers={"X-Shopify-Access-Token": shop.system.access_token})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.9


def test_a_real_bucket_overflow_is_waited_out(make_shop):
    shop = make_shop(bucket_size=2, leak_rate=4.0)
    pages = list(shop.connector(api="rest", page_size=2).pull(None))  # 6 requests against a bucket of 2
    assert pulled_ids(pages) == VALID_IDS


def test_persistent_5xx_becomes_a_connector_error(shop):
    shop.system.faults.fail_next(50, status=500)
    with pytest.raises(ConnectorError, match=r"^shopify\.pull: GET /shop\.json -> HTTP 500"):
        list(shop.connector(api="rest").pull(None))


def test_a_malformed_customer_is_quarantined_and_the_rest_of_the_page_kept(shop):
    shop.system.faults.malform_next()
    (page,) = list(shop.connector(api="rest").pull(None))
    assert pulled_ids([page]) == VALID_IDS[1:]
    reasons = {q.source_id: q.reason for q in page.quarantined}
    assert set(reasons) == {"1", "9"} and "not-an-e-mail" in reasons["1"]


def test_truncated_json_names_system_operation_and_page(shop):
    pages = shop.connector(api="rest", page_size=4).pull(None)
    next(pages)
    shop.system.faults.truncate_next()
    with pytest.raises(ConnectorError, match=r"^shopify\.pull: page 2 malformed JSON from /admin/api/2024-10/"
                                             r"customers\.json") as error:
        next(pages)
    assert (error.value.system, error.value.operation) == ("shopify", "pull")


def test_invalid_cursor_is_a_clear_error(shop):
    with pytest.raises(ConnectorError, match="invalid cursor 'page=3'"):
        list(shop.connector(api="rest").pull("page=3"))


def test_push_writes_golden_id_metafield_and_changed_fields_idempotently(shop):
    connector = shop.connector(api="rest")
    update = PushUpdate("4", "G-000004", {"given_name": "Văn An", "family_name": "Nguyễn",
                                           "emails": ["an.nguyen@example.vn"], "phones": ["+84912345678"],
                                           "city": "Hà Nội", "updated_at": "x"})
    assert connector.push([update]).pushed == ["4"]
    stored = shop.system.inspect("4")
    assert (stored["golden_id"], stored["phone"]) == ("G-000004", "+84912345678")
    assert stored["default_address"]["phone"] == "091 234 56 78"  # one value per field: address untouched
    updated_at = stored["updated_at"]
    time.sleep(1.1)  # any further customer write would now get a later updated_at
    assert connector.push([update]).pushed == ["4"]
    assert shop.system.inspect("4")["updated_at"] == updated_at
    assert connector.push([PushUpdate("4", "G-000099", {})]).pushed == ["4"]  # re-clustered: golden id moves
    assert shop.system.inspect("4")["golden_id"] == "G-000099"
    assert shop.system.inspect("4")["updated_at"] == updated_at  # metafields leave updated_at alone


def test_push_failures_are_reported_per_record(shop):
    result = shop.connector(api="rest").push([
        PushUpdate("999", "G-1", {}),
        PushUpdate("ABC", "G-2", {}),
        PushUpdate("8", "G-3", {"phones": ["(202) 555-0143"]}),
        PushUpdate("10", "G-4", {}),
    ])
    assert result.pushed == ["10"]
    assert "HTTP 404: Not Found" in result.failed["999"]
    assert "integers" in result.failed["ABC"]
    assert "HTTP 422: phone is invalid" in result.failed["8"]
    assert shop.system.inspect("10")["golden_id"] == "G-4"


def test_push_golden_id_only_when_fields_are_not_pushed(shop):
    shop.connector(api="rest", push_fields=False).push([PushUpdate("2", "G-2", {"given_name": "Somchai"})])
    stored = shop.system.inspect("2")
    assert (stored["golden_id"], stored["first_name"]) == ("G-2", "สมชาย")


def test_generated_customers_round_trip_with_malformed_rows_quarantined(make_shop):
    rows = generate_dataset(n_records=60, seed=3, systems=("erp",), malformed_rate=0.1).rows
    rows = [{**row, "source_system": "shopify", "source_id": str(i)} for i, row in enumerate(rows, 1)]
    bad = {row["source_id"]: row["truth_id"] for row in rows if row["truth_id"].startswith("BAD-")}
    # Shopify has no birth date and sets updated_at itself: an impossible date cannot reach it; it keeps
    # first and last name only, so an overlong full name next to them cannot either.
    hidden = {r["source_id"] for r in rows if defect_only_in_full_name(r)}
    detectable = {
        sid for sid, truth in bad.items() if not truth.startswith("BAD-impossible_date") and sid not in hidden
    }
    assert len(detectable) >= 3, "the generator should have produced malformed rows"
    pages = list(make_shop(rows).connector(api="rest", page_size=25).pull(None))
    pulled = pulled_ids(pages)
    quarantined = {q.source_id for page in pages for q in page.quarantined}
    assert len(pulled) == len(set(pulled)) and set(pulled) | quarantined == {r["source_id"] for r in rows}
    assert detectable <= quarantined <= set(bad)
