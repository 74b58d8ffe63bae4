"""WooCommerce webhooks of the local web shop: registration and signed, asynchronous delivery.

As WooCommerce documents (https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks and
https://woocommerce.com/document/webhooks/): a webhook has a ``topic`` (here the ``customer.*`` ones),
a ``delivery_url`` and a ``secret``; each delivery is a ``POST`` of the resource's JSON (for
``customer.deleted`` only ``{"id": ...}``) with ``X-WC-Webhook-Source``, ``-Topic``, ``-Resource``,
``-Event``, ``-ID``, ``-Delivery-ID`` and ``X-WC-Webhook-Signature`` = base64 of the HMAC-SHA256 of
the body keyed with the secret. Deliveries run in the background (WooCommerce queues them in Action
Scheduler), so an API write never waits for the receiver; a failed delivery is logged, not retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import logging
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests

TOPICS = ("customer.created", "customer.updated", "customer.deleted")
log = logging.getLogger(__name__)


def signature(body: bytes, secret: str) -> str:
    """``X-WC-Webhook-Signature``: base64(HMAC-SHA256(body, secret))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Webhooks:
    """Registered webhooks (in memory, like a shop's settings) and a one-thread delivery queue."""

    def __init__(self, source_url: str = "http://127.0.0.1"):
        self.source_url = source_url
        self._hooks: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._deliveries = itertools.count(1)
        self._lock = threading.Lock()
        self._queue = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wc-webhooks")
        self.pending: list[Future] = []

    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        """A new active webhook; ``ValueError`` for an unknown topic or a missing delivery URL."""
        if data.get("topic") not in TOPICS:
            raise ValueError(f"topic must be one of {', '.join(TOPICS)}")
        if not str(data.get("delivery_url") or "").startswith(("http://", "https://")):
            raise ValueError("delivery_url is required")
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        with self._lock:
            hook_id = next(self._ids)
            hook = {"id": hook_id, "name": str(data.get("name") or f"Webhook {hook_id}"),
                    "status": str(data.get("status") or "active"), "topic": data["topic"],
                    "resource": "customer", "event": data["topic"].split(".")[1], "hooks": [],
                    "delivery_url": data["delivery_url"],
                    "secret": str(data.get("secret") or secrets.token_hex(16)),
                    "date_created_gmt": stamp, "date_modified_gmt": stamp}
            self._hooks[hook_id] = hook
        return hook

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(h) for h in self._hooks.values()]

    def delete(self, hook_id: int) -> dict[str, Any] | None:
        with self._lock:
            return self._hooks.pop(hook_id, None)

    def fire(self, topic: str, resource: dict[str, Any]) -> None:
        """Queue a delivery to every active webhook of ``topic``; returns at once."""
        body = json.dumps({"id": resource["id"]} if topic.endswith(".deleted") else resource,
                          ensure_ascii=False).encode()
        for hook in self.list():
            if hook["topic"] == topic and hook["status"] == "active":
                self.pending.append(self._queue.submit(self._deliver, hook, body))

    def _deliver(self, hook: dict[str, Any], body: bytes) -> int | None:
        headers = {"Content-Type": "application/json", "X-WC-Webhook-Source": self.source_url + "/",
                   "X-WC-Webhook-Topic": hook["topic"], "X-WC-Webhook-Resource": hook["resource"],
                   "X-WC-Webhook-Event": hook["event"], "X-WC-Webhook-ID": str(hook["id"]),
                   "X-WC-Webhook-Delivery-ID": str(next(self._deliveries)),
                   "X-WC-Webhook-Signature": signature(body, hook["secret"])}
        try:
            return requests.post(hook["delivery_url"], data=body, headers=headers, timeout=5).status_code
        except requests.RequestException as exc:
            log.warning("webhook %s delivery to %s failed: %s", hook["id"], hook["delivery_url"], exc)
            return None


def register(shop_url: str, auth: Any, delivery_url: str, secret: str,
             topics: tuple[str, ...] = TOPICS) -> list[dict[str, Any]]:
    """Register one webhook per topic at a shop (``POST /wp-json/wc/v3/webhooks``), as an IT person
    does in WooCommerce's settings; the webhooks as the shop answered them. ``requests.HTTPError`` if
    the shop refuses one."""
    hooks = []
    for topic in topics:
        response = requests.post(
            f"{shop_url}/wp-json/wc/v3/webhooks", auth=auth, timeout=10,
            json={"name": f"CRM Hub {topic}", "topic": topic, "delivery_url": delivery_url, "secret": secret},
        )
        response.raise_for_status()
        hooks.append(response.json())
    return hooks
