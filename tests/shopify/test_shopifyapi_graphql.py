"""The local store's GraphQL Admin API driven by Shopify's own library (``ShopifyAPI`` 12.7, unmodified:
``shopify.GraphQL().execute``, plain urllib over loopback HTTP)."""

from __future__ import annotations

import json

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
