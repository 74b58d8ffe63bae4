"""The Shopify connector on the GraphQL Admin API (its default) against the local store over loopback:
pull by ``updated_at`` query with cursor paging, incremental runs, push through ``metafieldsSet`` and
``customerUpdate`` with ``userErrors``, and pacing by the cost-based throttle."""

from __future__ import annotations

import time

import requests
from loopback import pulled_ids

from connectors.base import PushUpdate
from connectors.shopify import GraphqlRunState, RunState

VALID_IDS = [str(i) for i in range(1, 11) if i != 9]


def graphql(shop, query: str, **variables) -> dict:
    response = requests.post(shop.api + "/graphql.json", json={"query": query, "variables": variables},
                             headers={"X-Shopify-Access-Token": shop.system.access_token}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def touch(shop, customer_id: int, **fields) -> None:
    """Change a customer the way an app would over GraphQL (bumps ``updatedAt``)."""
    body = graphql(shop, "mutation($input: CustomerInput!) { customerUpdate(input: $input) "
                         "{ userErrors { message } } }", input={"id": f"gid://shopify/Customer/{customer_id}",
                                                                **fields})
    assert body["data"]["customerUpdate"]["userErrors"] == [], body


def test_full_pull_over_graphql_maps_like_rest(shop):
    pages = list(shop.connector(page_size=3).pull(None))
    records = {r.source_id: r for p in pages for r in p.records}
    assert sorted(records, key=int) == VALID_IDS
    assert [q.source_id for p in pages for q in p.quarantined] == ["9"]  # the malformed e-mail
    assert (records["1"].given_name, records["1"].addresses[0].city) == ("Иван", "София")
    assert (records["6"].record_type, records["6"].organization_name) == ("organization", "Müller Bau GmbH")
    assert records["5"].updated_at.isoformat() == "2024-01-01T10:00:04+00:00"  # GraphQL speaks UTC
    assert records["4"].country == "VN"
    states = [GraphqlRunState.decode(p.cursor) for p in pages]
    assert all(p.cursor.startswith("gq1|") for p in pages)
    assert all(s.page_info for s in states[:-1]) and states[-1] == GraphqlRunState(since=states[0].started)


def test_incremental_runs_ask_only_for_what_changed(shop):
    connector = shop.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    touch(shop, 3, firstName="志明 Jimmy")
    touch(shop, 1, lastName="Петрова")
    time.sleep(2.1)  # the run's start is the server's Date header (whole seconds, refreshed each second)
    changed = list(connector.pull(cursor))
    records = {r.source_id: r for page in changed for r in page.records}
    assert sorted(records) == ["1", "3"]
    assert records["1"].family_name == "Петрова" and records["3"].given_name == "志明 Jimmy"
    assert list(connector.pull(changed[-1].cursor)) == []


def test_resume_mid_run_and_switching_from_rest_keeps_the_watermark(shop):
    first = next(iter(shop.connector(page_size=3).pull(None)))
    resumed = list(shop.connector(page_size=3).pull(first.cursor))
    assert sorted(pulled_ids([first, *resumed]), key=int) == VALID_IDS
    rest_cursor = list(shop.connector(api="rest").pull(None))[-1].cursor
    assert list(shop.connector().pull(rest_cursor)) == []  # same since, no page token: nothing new
    assert RunState.decode(rest_cursor).since == GraphqlRunState.decode(rest_cursor).since


def test_push_sets_the_golden_id_metafield_and_changed_fields(shop):
    connector = shop.connector()
    update = PushUpdate("4", "G-000004", {"given_name": "Văn An", "family_name": "Nguyễn",
                                           "emails": ["an.nguyen@example.vn"], "phones": ["+84912345678"]})
    assert connector.push([update]).pushed == ["4"]
    stored = shop.system.inspect("4")
    assert (stored["golden_id"], stored["phone"]) == ("G-000004", "+84912345678")
    updated_at = stored["updated_at"]
    time.sleep(1.1)
    assert connector.push([update]).pushed == ["4"]  # nothing differs: no customerUpdate
    assert connector.push([PushUpdate("4", "G-000099", {})]).pushed == ["4"]
    stored = shop.system.inspect("4")
    assert (stored["golden_id"], stored["updated_at"]) == ("G-000099", updated_at)  # metafield only


def test_push_user_errors_fail_the_record_after_the_golden_id_landed(shop):
    result = shop.connector().push([
        PushUpdate("999", "G-1", {}),
        PushUpdate("8", "G-3", {"phones": ["(202) 555-0143"]}),
        PushUpdate("10", "G-4", {}),
    ])
    assert result.pushed == ["10"]
    assert "no such customer" in result.failed["999"]
    assert "phone: Phone is invalid" in result.failed["8"]
    assert shop.system.inspect("8")["golden_id"] == "G-3"


def test_the_connector_paces_itself_by_the_throttle_status(make_shop):
    shop = make_shop(graphql_points=20, graphql_restore_rate=5)
    started = time.monotonic()
    pages = list(shop.connector(page_size=3).pull(None))  # 1 + 4 x 8 points against a bucket of 20
    assert sorted(pulled_ids(pages), key=int) == VALID_IDS
    assert time.monotonic() - started >= 1.5


def test_a_throttled_answer_is_waited_out_and_retried(make_shop):
    shop = make_shop(graphql_points=30, graphql_restore_rate=15)
    heavy = "{ customers(first: 9) { nodes { id defaultAddress { city } } } }"  # 2 + 9 x 2 = 20 points
    assert graphql(shop, heavy)["extensions"]["cost"]["requestedQueryCost"] == 20
    assert graphql(shop, heavy)["errors"][0]["extensions"]["code"] == "THROTTLED"
    records = [r for p in shop.connector(page_size=9).pull(None) for r in p.records]  # 2+9x2 = 20
    assert sorted((r.source_id for r in records), key=int) == VALID_IDS


def test_a_cursor_the_shop_no_longer_takes_restarts_the_run_without_loss(shop):
    first = next(iter(shop.connector(page_size=3).pull(None)))
    state = GraphqlRunState.decode(first.cursor)
    stale = GraphqlRunState(state.since, state.started, "bm90LWEtY3Vyc29y").encode()
    ids = pulled_ids([first, *shop.connector(page_size=3).pull(stale)])
    assert set(ids) == set(VALID_IDS) and ids.count(ids[0]) == 2  # duplicates, never gaps
