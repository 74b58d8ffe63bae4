"""The local store's GraphQL Admin API driven by Shopify's own library (``ShopifyAPI`` 12.7, unmodified:
``shopify.GraphQL().execute``, plain urllib over loopback HTTP)."""

from __future__ import annotations

import json
import urllib.request

import pytest
import shopify

from connectors.base import PushUpdate
from sources.shopify import API_VERSION


@pytest.fixture
def client(shop):
    session = shopify.Session("local.myshopify.com", API_VERSION, shop.system.access_token)
    shopify.ShopifyResource.activate_session(session)
    shopify.ShopifyResource.set_site(f"{shop.url}/admin/api/{API_VERSION}")  # http on loopback
    yield shopify.GraphQL()
    shopify.ShopifyResource.clear_session()


def test_shopify_graphql_client_pages_customers(client):
    query = """query Page($after: String) { customers(first: 4, after: $after) {
      pageInfo { hasNextPage endCursor } nodes { id firstName defaultAddress { city countryCodeV2 } } } }"""
    ids, after = [], None
    while True:
        result = json.loads(client.execute(query, {"after": after}, "Page"))
        connection = result["data"]["customers"]
        ids += [node["id"] for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert ids == [f"gid://shopify/Customer/{i}" for i in range(1, 11)]
    assert result["extensions"]["cost"]["throttleStatus"]["restoreRate"] == 50.0


def test_what_the_client_mutates_the_connector_pulls_and_what_it_pushes_the_client_reads(client, shop):
    mutation = """mutation { customerUpdate(input: {id: "gid://shopify/Customer/3", firstName: "志明",
      note: "VIP"}) { customer { note } userErrors { field message } } }"""
    assert json.loads(client.execute(mutation))["data"]["customerUpdate"]["userErrors"] == []
    connector = shop.connector()
    assert {r.source_id: r for p in connector.pull(None) for r in p.records}["3"].given_name == "志明"
    assert connector.push([PushUpdate("3", "G-three", {})]).failed == {}
    read = json.loads(client.execute('{ customer(id: "gid://shopify/Customer/3") { '
                                     'metafield(namespace: "crm_hub", key: "golden_id") { value } } }'))
    assert read["data"]["customer"]["metafield"] == {"value": "G-three"}


def test_shopify_graphql_client_runs_a_bulk_export(client):
    # the documented flow (https://shopify.dev/docs/api/usage/bulk-operations/queries): submit, poll,
    # download the JSONL; a nested connection's objects are lines naming their parent
    inner = "{ customers { edges { node { id metafields(first: 5) { nodes { key value } } } } } }"
    submit = ("mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } "
              "userErrors { message } } }")
    payload = json.loads(client.execute(submit, {"q": inner}))["data"]["bulkOperationRunQuery"]
    assert payload["userErrors"] == [] and payload["bulkOperation"]["status"] == "CREATED"
    poll = "{ currentBulkOperation { id status rootObjectCount url } }"
    statuses = []
    while not statuses or statuses[-1]["status"] != "COMPLETED":
        statuses.append(json.loads(client.execute(poll))["data"]["currentBulkOperation"])
    assert [s["status"] for s in statuses] == ["RUNNING", "COMPLETED"]
    assert statuses[-1]["id"] == payload["bulkOperation"]["id"] and statuses[-1]["rootObjectCount"] == "10"
    lines = [json.loads(line) for line in urllib.request.urlopen(statuses[-1]["url"]).read().splitlines()]
    customers = [line["id"] for line in lines if "__parentId" not in line]
    assert customers == [f"gid://shopify/Customer/{i}" for i in range(1, 11)]
