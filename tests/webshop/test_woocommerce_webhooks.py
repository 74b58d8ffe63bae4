"""WooCommerce ``customer.*`` webhooks end to end over loopback: the shop imitation delivers signed
webhooks to the hub's receiver (the real webapp, served), the receiver records them, and the next
extract of that source reads the announced customers first, by id, before its scan."""

from __future__ import annotations

import json

import pytest
import requests
from shop_hub import SECRET, delivered, edit, hub_for

from connectors.credentials import Credentials
from hub.store import HubStore
from hub.webhook_inbox import WebhookInbox
from schemas import HubConfig
from sources.serve import serve_in_thread
from sources.webshop.webhooks import register as register_hooks
from sources.webshop.webhooks import signature
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users


@pytest.fixture
def hub(shop, tmp_path, monkeypatch):
    """A hub store, a pipeline with the shop as source ``webshop`` and its webapp served on loopback."""
    with hub_for(shop, tmp_path, monkeypatch) as served:
        yield served


def register(shop, url: str, topic: str) -> dict:
    (hook,) = register_hooks(shop.url, shop.auth, url, SECRET, (topic,))
    return hook


def test_an_edit_is_announced_signed_recorded_and_read_first_by_the_next_extract(shop, hub):
    pipeline, receiver = hub
    pipeline.extract("webshop", "run-1")
    assert pipeline.store.staging.get_cursor("webshop").startswith("scan2|1|")  # a scan completed
    hook = register(shop, f"{receiver}/webshop", "customer.updated")
    assert "secret" not in hook and hook["status"] == "active"
    edit(shop, 8, first_name="Grace")
    assert delivered(shop) == [200]
    inbox = WebhookInbox(pipeline.store)
    assert inbox.pending("webshop")[0] == ["8"]

    connector = pipeline.connector(pipeline.config.source("webshop"))
    connector.announced_ids = ["8"]
    cursor = pipeline.store.staging.get_cursor("webshop")
    first = next(iter(connector.pull(cursor)))  # before the scan's first page
    assert [r.source_id for r in first.records] == ["8"] and first.records[0].given_name == "Grace"
    assert first.cursor == cursor  # the scan's position does not move

    pipeline.extract("webshop", "run-2")
    assert inbox.pending("webshop") == ([], 0)  # handed over and staged: cleared


def test_the_receiver_refuses_forged_or_unknown_and_ignores_pings(shop, hub):
    pipeline, receiver = hub
    body = json.dumps({"id": 3, "first_name": "Mallory"}).encode()
    headers = {"X-WC-Webhook-Topic": "customer.updated", "Content-Type": "application/json"}
    forged = requests.post(
        f"{receiver}/webshop",
        data=body,
        timeout=5,
        headers={**headers, "X-WC-Webhook-Signature": signature(body, "wrong")},
    )
    assert forged.status_code == 401
    unknown = requests.post(
        f"{receiver}/nosuchshop",
        data=body,
        timeout=5,
        headers={**headers, "X-WC-Webhook-Signature": signature(body, SECRET)},
    )
    assert unknown.status_code == 404
    ping = requests.post(f"{receiver}/webshop", data=b"webhook_id=1", timeout=5)
    assert ping.status_code == 200 and ping.json() == {"recorded": False}
    assert WebhookInbox(pipeline.store).pending("webshop") == ([], 0)


def test_deletes_are_delivered_with_the_id_only(shop, hub):
    pipeline, receiver = hub
    register(shop, f"{receiver}/webshop", "customer.deleted")
    response = requests.delete(
        f"{shop.url}/wp-json/wc/v3/customers/10", params={"force": "true"}, auth=shop.auth, timeout=5
    )
    assert response.status_code == 200, response.text
    assert delivered(shop) == [200]
    assert WebhookInbox(pipeline.store).pending("webshop")[0] == ["10"]
    connector = pipeline.connector(pipeline.config.source("webshop"))
    connector.announced_ids = ["10"]
    assert next(iter(connector.pull(None))).records == []  # gone: nothing to read by id


def test_the_secret_comes_from_the_apps_connections_not_only_the_environment(shop, tmp_path, monkeypatch):
    # inside Airflow the connection lives in Airflow's metadata DB or a secrets backend, not in the
    # environment: the app reads it through the provider it was built with (the plugin passes
    # Airflow's), so a delivery signed with that secret is recorded
    monkeypatch.delenv("CRMHUB_CONN_CRMHUB_WEBSHOP", raising=False)
    stored = {"crmhub_webshop": Credentials(host="127.0.0.1", extra={"webhook_secret": "from-airflow"})}
    config = HubConfig.model_validate(
        {
            "database_url": f"sqlite:///{tmp_path}/hub.db",
            "sources": [{"name": "webshop", "kind": "rest_shop", "connection_id": "crmhub_webshop"}],
        }
    )
    store = HubStore(config.database_url, upgrade=True)
    auth = StandaloneAuth(parse_users("ann:steward:token-ann-0123456789"), secret=b"test-secret")
    server = serve_in_thread(create_app(lambda: store, config, auth, credentials=stored.__getitem__))
    try:
        body = json.dumps({"id": 5}).encode()
        headers = {
            "X-WC-Webhook-Topic": "customer.updated",
            "Content-Type": "application/json",
            "X-WC-Webhook-Signature": signature(body, "from-airflow"),
        }
        response = requests.post(
            f"{server.url}/api/v1/webhooks/woocommerce/webshop", data=body, headers=headers, timeout=5
        )
        assert response.status_code == 200 and response.json()["recorded"] is True, response.text
        assert WebhookInbox(store).pending("webshop")[0] == ["5"]
    finally:
        server.stop()
        store.close()
