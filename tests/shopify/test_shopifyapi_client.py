"""The local store driven by Shopify's own Python library (``ShopifyAPI`` 12.7, unmodified; REST Admin
through pyactiveresource): session, list, count, search, read, update, metafields. Its only local
setting is the site URL over plain HTTP (the library builds https:// from a shop domain)."""

from __future__ import annotations

import pytest
import shopify

from connectors.base import PushUpdate
from sources.shopify import API_VERSION


@pytest.fixture
def client(shop):
    session = shopify.Session("local.myshopify.com", API_VERSION, shop.system.access_token)
    shopify.ShopifyResource.activate_session(session)
    shopify.ShopifyResource.set_site(f"{shop.url}/admin/api/{API_VERSION}")  # http on loopback
    yield shopify
    shopify.ShopifyResource.clear_session()


def test_shopify_api_lists_counts_searches_and_reads_customers(client, shop):
    customers = client.Customer.find(limit=50)
    assert sorted(c.id for c in customers) == list(range(1, 11))
    assert client.Customer.count() == 10
    found = client.Customer.search(query="email:ivan.petrov@example.bg")
    assert [c.id for c in found] == [1]
    assert client.Customer.find(1).default_address.city == "София"


def test_what_shopify_api_writes_the_connector_pulls_and_what_the_connector_pushes_it_reads(client, shop):
    customer = client.Customer.find(3)
    customer.note = "VIP"
    customer.first_name = "志明"
    assert customer.save(), customer.errors.full_messages()
    connector = shop.connector()
    records = {r.source_id: r for page in connector.pull(None) for r in page.records}
    assert records["3"].given_name == "志明"
    assert connector.push([PushUpdate("3", "G-three", {})]).failed == {}
    metafields = {(m.namespace, m.key): m.value for m in client.Customer.find(3).metafields()}
    assert metafields[("crm_hub", "golden_id")] == "G-three"
