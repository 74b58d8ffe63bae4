"""A hub that receives the local web shop's webhooks: a store, a pipeline with the shop as source
``webshop``, and the hub's webapp served on loopback (its receiver at ``receiver``/<source>)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import HubConfig
from sources.serve import serve_in_thread
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users

SECRET = "wc-webhook-secret"


@contextmanager
def hub_for(shop: Any, folder: Path, monkeypatch: pytest.MonkeyPatch,
            **options: Any) -> Iterator[tuple[SyncPipeline, str]]:
    """``(pipeline, receiver URL without the source name)``; ``options`` are the source's options."""
    connection = shop.system.connection(shop.url)
    connection["extra"] = {**(connection.get("extra") or {}), "webhook_secret": SECRET}
    monkeypatch.setenv("CRMHUB_CONN_CRMHUB_WEBSHOP", json.dumps(connection))
    source = {"name": "webshop", "kind": "rest_shop", "connection_id": "crmhub_webshop", "page_size": 3,
              "options": options}
    config = HubConfig.model_validate({"database_url": f"sqlite:///{folder}/hub.db", "sources": [source]})
    store = HubStore(config.database_url, upgrade=True)
    auth = StandaloneAuth(parse_users("ann:steward:token-ann-0123456789"), secret=b"test-secret")
    server = serve_in_thread(create_app(lambda: store, config, auth))
    try:
        yield SyncPipeline(config, store), f"{server.url}/api/v1/webhooks/woocommerce"
    finally:
        server.stop()
        store.close()


def edit(shop: Any, customer_id: int, **changes: Any) -> None:
    """Change a customer through the shop's API, as a customer editing their account (fires webhooks)."""
    response = requests.put(
        f"{shop.url}/wp-json/wc/v3/customers/{customer_id}", json=changes, auth=shop.auth, timeout=5
    )
    assert response.status_code == 200, response.text


def delivered(shop: Any) -> list[int | None]:
    """Wait for the shop's queued deliveries; the receiver's HTTP status of each."""
    return [future.result(timeout=10) for future in shop.system.webhooks.pending]
