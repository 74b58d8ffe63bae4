"""Webhook receivers: sources announce changed records; the next sync of that source reads them first.

``POST /api/v1/webhooks/woocommerce/{source}`` takes WooCommerce's ``customer.*`` deliveries
(https://woocommerce.com/document/webhooks/): the body's HMAC-SHA256 keyed with the webhook secret,
base64, must equal ``X-WC-Webhook-Signature`` (the secret is the ``webhook_secret`` in the extra of the
source's connection, the same value given to WooCommerce; read through Airflow's connections when the
app is mounted in Airflow). The delivery is only recorded
(:mod:`hub.webhook_inbox`) and answered at once -- WooCommerce waits for the answer and disables a
webhook after repeated failures, so nothing slow happens here. WooCommerce's ping on saving a webhook
(a form body ``webhook_id=<n>`` without a topic) is answered 200 and ignored.
"""

# No `from __future__ import annotations`: FastAPI must see the parameter types.
import base64
import hashlib
import hmac
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from connectors.credentials import MissingCredentialsError
from hub.webhook_inbox import WebhookInbox
from webapp.context import hub_of

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
WOOCOMMERCE_KINDS = ("rest_shop", "woocommerce")


@router.post("/woocommerce/{source}", summary="Receive a WooCommerce customer.* webhook")
async def woocommerce(source: str, request: Request) -> dict[str, Any]:
    body = await request.body()
    secret = _secret(request, source)
    given = request.headers.get("x-wc-webhook-signature", "")
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    topic = request.headers.get("x-wc-webhook-topic", "")
    if not topic.startswith("customer."):
        return {"recorded": False}  # a ping, or a topic this hub does not follow
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid X-WC-Webhook-Signature")
    try:
        payload = json.loads(body)
        source_id = str(payload["id"])
    except (ValueError, KeyError, TypeError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected a JSON object with an id") from None
    WebhookInbox(hub_of(request).store).record(source, source_id, topic)
    return {"recorded": True, "source_id": source_id}


def _secret(request: Request, source: str) -> str:
    """The webhook secret of a configured WooCommerce source; 404 for any other name."""
    hub = hub_of(request)
    try:
        config = hub.config.source(source)
    except KeyError:
        config = None
    if config is None or config.kind not in WOOCOMMERCE_KINDS or not config.connection_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no WooCommerce source {source!r}")
    try:
        secret = hub.credentials(config.connection_id).extra.get("webhook_secret")
    except MissingCredentialsError:
        secret = None
    if not secret:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"source {source!r} has no webhook_secret")
    return str(secret)
