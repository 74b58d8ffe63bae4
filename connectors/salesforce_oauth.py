"""OAuth 2.0 for Salesforce connected apps: the two server-to-server flows, chosen per connection.

* ``client_credentials``: ``client_id`` = the connected app's consumer key, ``client_secret`` = its
  consumer secret; Salesforce runs the calls as the app's configured "Run As" user.
* ``jwt_bearer``: an RS256-signed assertion (``iss`` consumer key, ``sub`` the user name, ``aud`` the
  login host, ``exp`` within 3 minutes) with the private key whose certificate the app holds. No
  secret travels; the usual choice for unattended integrations.

The token endpoint is ``<connection host>/services/oauth2/token`` (``login.salesforce.com``, ``test.``
or the org's My Domain); the answer's ``instance_url`` is where the REST, Bulk and SOAP calls go, and
its ``access_token`` is the session id all three accept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jwt
import requests

from connectors.base import ConnectorError
from connectors.credentials import Credentials
from connectors.http import checked_request, json_body

TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
Flow = Literal["client_credentials", "jwt_bearer", "soap_login"]


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str


def flow_of(credentials: Credentials, configured: Flow | None) -> Flow:
    """The option if set, else the connection's ``extra.auth``, else what its keys imply: a private key
    means JWT bearer, a consumer secret client credentials, a bare security token the SOAP fallback."""
    extra = credentials.extra
    chosen = configured or extra.get("auth")
    if chosen:
        if chosen not in ("client_credentials", "jwt_bearer", "soap_login"):
            raise ConnectorError("salesforce", "connect", f"unknown auth {chosen!r}")
        return chosen
    if extra.get("private_key") or extra.get("private_key_file_path"):
        return "jwt_bearer"
    if extra.get("consumer_secret"):
        return "client_credentials"
    if extra.get("security_token") is not None:
        return "soap_login"
    raise ConnectorError(
        "salesforce", "connect", "the connection names no OAuth 2.0 connected app (extra.consumer_key "
        "with consumer_secret or private_key_file_path)"
    )


def token_form(source: str, credentials: Credentials, flow: Flow, audience: str) -> dict[str, str]:
    extra = credentials.extra
    consumer_key = extra.get("consumer_key") or extra.get("client_id")
    if not consumer_key:
        raise ConnectorError(source, "login", "the connection needs extra.consumer_key (the connected app)")
    if flow == "client_credentials":
        secret = extra.get("consumer_secret") or credentials.password
        if not secret:
            raise ConnectorError(source, "login", "client credentials need extra.consumer_secret")
        return {"grant_type": "client_credentials", "client_id": consumer_key, "client_secret": secret}
    if not credentials.login:
        raise ConnectorError(source, "login", "the JWT bearer flow needs the user name as the login")
    claims = {"iss": consumer_key, "sub": credentials.login, "aud": audience, "exp": int(time.time()) + 170}
    assertion = jwt.encode(claims, _private_key(source, extra), algorithm="RS256")
    return {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}


def request_token(
    source: str, session: requests.Session, credentials: Credentials, flow: Flow, audience: str
) -> Token:
    origin = credentials.base_url().removesuffix(f"/{(credentials.schema or '').strip('/')}")
    form = token_form(source, credentials, flow, audience)
    response = checked_request(
        source, "login", f"POST {TOKEN_PATH}", lambda: session.post(origin + TOKEN_PATH, data=form),
        message=_oauth_error,
    )
    body = json_body(source, "login", TOKEN_PATH, response)
    if not body.get("access_token") or not body.get("instance_url"):
        raise ConnectorError(source, "login", f"token answer without access_token/instance_url: {body}")
    return Token(body["access_token"], body["instance_url"].rstrip("/"))


def _private_key(source: str, extra: dict) -> str:
    if extra.get("private_key"):
        return str(extra["private_key"])
    try:
        return Path(extra["private_key_file_path"]).read_text()
    except OSError as exc:
        raise ConnectorError(source, "login", f"cannot read the private key: {exc}") from None


def _oauth_error(response: requests.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('error')}: {body.get('error_description')}"
    except ValueError:
        return response.text[:200]
