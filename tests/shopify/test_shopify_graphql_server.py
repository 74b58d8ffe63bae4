"""The local store's GraphQL Admin API over HTTP: Shopify's ids, UTC times, cursor paging, search
syntax, cost extensions, throttling, validation and user errors."""

from __future__ import annotations

import requests

CUSTOMERS = """query($after: String, $q: String) {
  customers(first: 4, after: $after, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id updatedAt } } } }"""


def post(shop, query: str, token: str | None = None, **variables) -> requests.Response:
    return requests.post(shop.api + "/graphql.json", json={"query": query, "variables": variables},
                         headers={"X-Shopify-Access-Token": token or shop.system.access_token}, timeout=5)


def test_customers_page_by_cursor_in_updated_at_order(shop):
    seen, after = [], None
    while True:
        body = post(shop, CUSTOMERS, after=after).json()
        connection = body["data"]["customers"]
        seen += [e["node"]["id"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == [f"gid://shopify/Customer/{i}" for i in range(1, 11)]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 4 * 1
    assert cost["throttleStatus"]["maximumAvailable"] == 1000.0


def test_updated_at_search_is_exclusive_or_inclusive_as_written(shop):
    nodes = lambda q: [e["node"]["updatedAt"] for e in post(shop, CUSTOMERS, q=q).json()["data"]["customers"]["edges"]]  # noqa: E731,E501
    assert nodes("updated_at:>'2024-01-01T10:00:04Z'")[0] == "2024-01-01T10:00:05Z"
    assert nodes("updated_at:>='2024-01-01T10:00:04Z'")[0] == "2024-01-01T10:00:04Z"
    assert nodes("updated_at:>='2024-01-01T17:00:04+07:00'")[0] == "2024-01-01T10:00:04Z"


def test_errors_come_back_as_graphql_errors(shop):
    assert post(shop, CUSTOMERS, token="shpat_wrong").status_code == 401
    unknown = post(shop, "{ customers(first: 1) { nodes { birthday } } }").json()
    assert "Cannot query field 'birthday'" in unknown["errors"][0]["message"]
    no_first = post(shop, "{ customers { nodes { id } } }").json()
    assert "first" in no_first["errors"][0]["message"]


def test_cost_limits_max_cost_and_throttle(make_shop):
    shop = make_shop(graphql_points=100, graphql_restore_rate=1)
    too_big = post(shop, "{ customers(first: 50) { nodes { id defaultAddress { city } } } }").json()
    assert too_big["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    query = "{ customers(first: 30) { nodes { id defaultAddress { city } } } }"  # 62 points
    assert "data" in post(shop, query).json()
    throttled = post(shop, query).json()
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 62


def test_customer_update_and_metafields_set_report_user_errors(shop):
    taken = post(shop, 'mutation { customerUpdate(input: {id: "gid://shopify/Customer/2", '
                       'email: "ivan.petrov@example.bg"}) { customer { id } userErrors { field message } } }')
    assert taken.json()["data"]["customerUpdate"] == {
        "customer": None, "userErrors": [{"field": ["email"], "message": "Email has already been taken"}]}
    setting = ('mutation { metafieldsSet(metafields: [{ownerId: "gid://shopify/Customer/2", namespace: '
               '"crm_hub", key: "golden_id", value: "G-2", type: "single_line_text_field"}]) '
               '{ metafields { namespace key value } userErrors { code } } }')
    for _ in range(2):  # creates, then updates the same metafield
        payload = post(shop, setting).json()["data"]["metafieldsSet"]
        assert payload["metafields"] == [{"namespace": "crm_hub", "key": "golden_id", "value": "G-2"}]
    assert shop.system.inspect("2")["golden_id"] == "G-2"
    assert len(shop.system.store.metafields(2)) == 1
