"""The local shop driven by WooCommerce's own Python client (``woocommerce`` 3.0, unmodified): it signs
with OAuth 1.0a over HTTP, lists and pages customers, reads, updates; what it writes our connector pulls,
and the golden id our connector pushes it reads back."""

from __future__ import annotations

from woocommerce import API

from connectors.base import PushUpdate


def _client(shop) -> API:
    key, secret = shop.key_and_secret
    return API(url=shop.url, consumer_key=key, consumer_secret=secret, version="wc/v3", timeout=10)


def test_the_woocommerce_client_lists_pages_and_reads_customers(shop):
    client = _client(shop)
    first = client.get("customers", params={"per_page": 4, "orderby": "id"})
    assert first.status_code == 200, first.text
    assert [c["id"] for c in first.json()] == [1, 2, 3, 4]
    assert first.headers["X-WP-TotalPages"] == "3" and "next" in first.links
    last = client.get("customers", params={"per_page": 4, "orderby": "id", "page": 3})
    assert [c["id"] for c in last.json()] == [9, 10]
    assert client.get("customers/1").json()["billing"]["city"] == "София"


def test_what_the_client_writes_the_connector_pulls_and_what_the_connector_pushes_the_client_reads(shop):
    client = _client(shop)
    updated = client.put("customers/3", {"billing": {"city": "新北市"}})
    assert updated.status_code == 200, updated.text
    connector = shop.connector()
    records = {r.source_id: r for page in connector.pull(None) for r in page.records}
    assert records["3"].addresses[0].city == "新北市"
    assert connector.push([PushUpdate("3", "G-three", {})]).failed == {}
    meta = {m["key"]: m["value"] for m in client.get("customers/3").json()["meta_data"]}
    assert meta["crm_golden_id"] == "G-three"
