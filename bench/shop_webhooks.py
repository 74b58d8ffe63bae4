"""The web shop's side of ``bench.sync``: changes made through the shop's API (so the shop fires its
``customer.*`` webhooks, as it does for a customer editing their account) and, for ``--webhooks``, the
hub's receiver served on loopback with the shop's webhooks registered to it.

The hub's webhook receiver lives in the web app (:mod:`webapp.webhooks`): here it is served by uvicorn
on a free loopback port in a thread of the benchmark, on the benchmark's hub store, as ``crmhub web``
would serve it beside the sync.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import requests

from connectors.credentials import credentials_from_env, env_var_names
from connectors.rest_shop import woocommerce_auth
from hub.store import HubStore
from hub.webhook_inbox import WebhookInbox
from schemas import HubConfig
from sources.serve import serve_in_thread
from sources.webshop import WebShopSystem
from sources.webshop.webhooks import register
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users

SHOP = "webshop"
SHOP_CONNECTION = "crmhub_webshop"
#: The batch size WooCommerce allows (``POST /customers/batch``).
BATCH = 100


def shop_url_and_auth() -> tuple[str, object]:
    """The shop's root URL and the WooCommerce auth of its connection (from ``os.environ``)."""
    creds = credentials_from_env(SHOP_CONNECTION)
    root = replace(creds, schema=None).base_url()
    return root, woocommerce_auth(root, creds.login or "", creds.password or "")


def with_webhook_secret(secret: str) -> None:
    """Put ``extra.webhook_secret`` into the shop's connection, where the receiver reads it."""
    for name in env_var_names(SHOP_CONNECTION):
        if value := os.environ.get(name):
            connection = json.loads(value)
            connection["extra"] = {**(connection.get("extra") or {}), "webhook_secret": secret}
            os.environ[name] = json.dumps(connection)
            return
    raise LookupError(f"no connection {SHOP_CONNECTION!r} in the environment")


@contextmanager
def receiving_webhooks(store: HubStore, config: HubConfig) -> Iterator[None]:
    """The hub's web app on a free loopback port and the shop's three ``customer.*`` webhooks
    registered to its receiver for source ``webshop``, as an IT person sets them up before syncing."""
    secret = secrets.token_hex(16)
    with_webhook_secret(secret)
    users = parse_users(f"bench:steward:{secrets.token_hex(16)}")  # the receiver takes no user token
    auth = StandaloneAuth(users, secret=secrets.token_bytes(32))
    server = serve_in_thread(create_app(lambda: store, config, auth))
    try:
        root, shop_auth = shop_url_and_auth()
        register(root, shop_auth, f"{server.url}/api/v1/webhooks/woocommerce/{SHOP}", secret)
        yield
    finally:
        server.stop()


def change_customers(data_dir: Path, share: float, seed: int = 1) -> int:
    """Give ``share`` of the shop's customers a new last name through its API (``POST
    /customers/batch``, 100 a request), as customers editing their accounts; returns how many."""
    customers, _ = WebShopSystem(data_dir / SHOP).store.list_customers(page=1, per_page=1_000_000)
    picked = random.Random(seed).sample(customers, max(1, int(len(customers) * share)))
    root, auth = shop_url_and_auth()
    for start in range(0, len(picked), BATCH):
        batch = picked[start:start + BATCH]
        update = [{"id": c["id"], "last_name": f"{c['last_name'] or 'X'}-Neu"} for c in batch]
        response = requests.post(f"{root}/wp-json/wc/v3/customers/batch", json={"update": update}, auth=auth,
                                 timeout=60)
        response.raise_for_status()
    return len(picked)


def wait_for_announcements(store: HubStore, count: int, timeout: float = 600) -> float:
    """Until the hub's inbox holds ``count`` announced customers of the shop (the shop delivers in the
    background); the seconds it took. ``TimeoutError`` naming how many arrived otherwise."""
    started = time.perf_counter()
    inbox = WebhookInbox(store)
    while (arrived := len(inbox.pending(SHOP)[0])) < count:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{arrived} of {count} webhook deliveries arrived in {timeout:.0f} s")
        time.sleep(0.2)
    return time.perf_counter() - started
