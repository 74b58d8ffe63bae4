"""The org's OAuth 2.0 token endpoint: the client-credentials flow and the JWT bearer flow of a
connected app, the two server-to-server flows Salesforce offers now that SOAP ``login()`` is retired.

An access token is a session id (Salesforce: "the access token is the session ID"), so the SOAP API
accepts it in ``SessionHeader`` and the REST and Bulk APIs as ``Authorization: Bearer``. Errors answer
400 with ``{"error": ..., "error_description": ...}`` as Salesforce's token endpoint does.

Docs: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
and https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sources.salesforce.service import ORG_ID, USER_ID, Org

TOKEN_PATH = "/services/oauth2/token"
CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: The JWT ``aud`` Salesforce accepts: its login hosts (or an Experience Cloud site, not imitated).
AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
#: Salesforce: the assertion's ``exp`` must be within 3 minutes of the request.
MAX_ASSERTION_LIFETIME = 180


class OAuthError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(f"{error}: {description}")
        self.error, self.description = error, description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class ConnectedApp:
    """The connected app the integration uses: its consumer key and secret, and the certificate (or
    public key) uploaded for the JWT bearer flow, PEM."""

    client_id: str
    client_secret: str
    certificate: str | None = None


def issue_token(org: Org, app: ConnectedApp, form: Mapping[str, Any], instance_url: str) -> dict[str, Any]:
    """The token response for a token request ``form``, or :class:`OAuthError`."""
    grant = form.get("grant_type")
    if grant == CLIENT_CREDENTIALS:
        _check_client(app, form)
    elif grant == JWT_BEARER:
        _check_assertion(org, app, str(form.get("assertion") or ""))
    else:
        raise OAuthError("unsupported_grant_type", "grant type not supported")
    token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
    with org.lock:
        org.sessions[token] = datetime.now(UTC) + org.session_lifetime
    identity, issued = f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}", str(int(time.time() * 1000))
    # Salesforce signs id + issued_at with the consumer secret (HMAC-SHA256) so a client can verify it
    digest = hmac.new(app.client_secret.encode(), (identity + issued).encode(), hashlib.sha256).digest()
    return {
        "access_token": token,
        "signature": base64.b64encode(digest).decode(),
        "scope": "api",
        "instance_url": instance_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued,
    }


def _check_client(app: ConnectedApp, form: Mapping[str, Any]) -> None:
    client_id = str(form.get("client_id") or "")
    secret = str(form.get("client_secret") or "")
    if not secrets.compare_digest(client_id.encode(), app.client_id.encode()):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not secrets.compare_digest(secret.encode(), app.client_secret.encode()):
        raise OAuthError("invalid_client", "invalid client credentials")


def _check_assertion(org: Org, app: ConnectedApp, assertion: str) -> None:
    """RS256 signature against the app's certificate, ``iss`` = consumer key, ``sub`` = the user,
    ``aud`` = a login host, ``exp`` no more than 3 minutes ahead."""
    if app.certificate is None:
        raise OAuthError("invalid_grant", "invalid assertion")  # no certificate uploaded for the app
    try:
        claims = jwt.decode(
            assertion,
            _public_key(app.certificate),
            algorithms=["RS256"],
            audience=list(AUDIENCES),
            options={"require": ["iss", "sub", "aud", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise OAuthError("invalid_grant", "expired authorization code") from None
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if claims["iss"] != app.client_id:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if claims["sub"] != org.username:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    if claims["exp"] > time.time() + MAX_ASSERTION_LIFETIME + 5:
        raise OAuthError("invalid_grant", "invalid assertion")


def _public_key(pem: str) -> Any:
    """A certificate's public key, or the PEM public key itself."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    data = pem.encode()
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return load_pem_public_key(data)


def token_router(org: Org, app: ConnectedApp | None) -> APIRouter:
    router = APIRouter()

    @router.post(TOKEN_PATH)
    async def token(request: Request) -> JSONResponse:
        """OAuth 2.0 token endpoint, form-encoded: ``grant_type=client_credentials`` with ``client_id``
        and ``client_secret`` (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm),
        or ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` with an RS256 ``assertion``
        (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm)."""
        form = await request.form()
        if app is None:
            return JSONResponse(OAuthError("invalid_client_id", "client identifier invalid").body(), 400)
        try:
            return JSONResponse(issue_token(org, app, dict(form), str(request.base_url).rstrip("/")))
        except OAuthError as exc:
            return JSONResponse(exc.body(), status_code=400)

    return router
