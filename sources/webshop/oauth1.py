"""WooCommerce's one-legged OAuth 1.0a check for REST requests over plain HTTP, as the shop does it.

Follows ``WC_REST_Authentication::perform_oauth_authentication`` / ``check_oauth_signature`` /
``check_oauth_timestamp_and_nonce`` (woocommerce/includes/class-wc-rest-authentication.php) and the
documentation (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-http):
the five ``oauth_*`` parameters in the query string; the string to sign is ``METHOD&`` + the encoded
URL without query + ``&`` + the request's query parameters (``oauth_signature`` left out) sorted by
name, each ``name=value`` RFC 3986-encoded twice over; HMAC-SHA1 or HMAC-SHA256 keyed with
``consumer_secret&``; a timestamp older than 15 minutes or a nonce seen before is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from urllib.parse import quote

REQUIRED = ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature",
            "oauth_signature_method")
ALGORITHMS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
WINDOW_SECONDS = 15 * 60


class OAuthError(Exception):
    """WooCommerce's ``woocommerce_rest_authentication_error`` with its message."""


def rfc3986(text: str) -> str:
    """PHP's ``rawurlencode``: everything but ``A-Z a-z 0-9 - _ . ~`` percent-encoded."""
    return quote(text, safe="-_.~")


def signature(method: str, url: str, params: Iterable[tuple[str, str]], secret: str, algorithm: str) -> str:
    pairs = sorted((k, v) for k, v in params if k != "oauth_signature")
    query = "%26".join(rfc3986(f"{rfc3986(k)}={rfc3986(v)}") for k, v in pairs)
    string_to_sign = f"{method.upper()}&{rfc3986(url)}&{query}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), ALGORITHMS[algorithm]).digest()
    return base64.b64encode(digest).decode()


class OAuthVerifier:
    """Checks requests signed for one consumer key and secret; remembers nonces for the window."""

    def __init__(self, consumer_key: str, consumer_secret: str):
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify(self, method: str, url: str, params: list[tuple[str, str]]) -> None:
        given = dict(params)
        missing = [name for name in REQUIRED if name not in given]
        if missing:
            raise OAuthError(f"Missing OAuth parameter {', '.join(missing)}")
        if not secrets.compare_digest(given["oauth_consumer_key"].encode(), self.consumer_key.encode()):
            raise OAuthError("Consumer key is invalid.")
        algorithm = given["oauth_signature_method"]
        if algorithm not in ALGORITHMS:
            raise OAuthError("Invalid signature - signature method is invalid")
        expected = signature(method, url, params, self.consumer_secret, algorithm)
        provided = given["oauth_signature"].replace(" ", "+")
        if not hmac.compare_digest(expected, provided):
            raise OAuthError("Invalid signature - provided signature does not match.")
        self._check_timestamp_and_nonce(given["oauth_timestamp"], given["oauth_nonce"])

    def _check_timestamp_and_nonce(self, timestamp: str, nonce: str) -> None:
        now = time.time()
        if not timestamp.isdigit() or int(timestamp) < now - WINDOW_SECONDS:
            raise OAuthError("Invalid timestamp.")
        with self._lock:
            self._nonces = {n: t for n, t in self._nonces.items() if t >= now - WINDOW_SECONDS}
            if nonce in self._nonces:
                raise OAuthError("Invalid nonce - nonce has already been used.")
            self._nonces[nonce] = now
