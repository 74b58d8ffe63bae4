"""The local org's OAuth 2.0 token endpoint (client credentials, JWT bearer with an RS256 assertion
checked against the connected app's certificate) and the bearer token the REST and Bulk APIs demand,
over real HTTP; and the connector authenticating by either flow."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.base import ConnectorError
from tests.salesforce.conftest import ACCOUNTS, CONTACTS, ids

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def token(org, **form: str) -> requests.Response:
    return requests.post(f"{org.server.url}/services/oauth2/token", data=form, timeout=10)


def assertion(org, key_pem: str | None = None, **claims: object) -> str:
    key = key_pem or org.system.private_key_file.read_text()
    body = {
        "iss": org.system.connected_app.client_id,
        "sub": org.system.org.username,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256")


def client_credentials(org, secret: str | None = None) -> requests.Response:
    app = org.system.connected_app
    secret = secret or app.client_secret
    return token(org, grant_type="client_credentials", client_id=app.client_id, client_secret=secret)


def test_client_credentials_give_a_bearer_token_the_rest_api_accepts(org):
    answer = client_credentials(org)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["token_type"], body["instance_url"]) == ("Bearer", org.server.url)
    secret = org.system.connected_app.client_secret.encode()
    signed = hmac.new(secret, (body["id"] + body["issued_at"]).encode(), hashlib.sha256).digest()
    assert body["signature"] == base64.b64encode(signed).decode()
    query = requests.get(
        f"{body['instance_url']}/services/data/v59.0/query",
        params={"q": "SELECT Id, Name FROM Account ORDER BY Id"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    )
    assert query.status_code == 200
    assert [r["Id"] for r in query.json()["records"]] == ACCOUNTS
    assert query.json()["records"][0]["attributes"]["type"] == "Account"


def test_wrong_client_secret_or_unknown_client_is_refused_as_salesforce_does(org):
    wrong = client_credentials(org, secret="guessed")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_client")
    unknown = token(org, grant_type="client_credentials", client_id="nobody", client_secret="x")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_client_id")
    password = token(org, grant_type="password", username="u", password="p")
    assert (password.status_code, password.json()["error"]) == (400, "unsupported_grant_type")


def test_a_jwt_signed_with_the_apps_key_gives_a_token(org):
    answer = token(org, grant_type=JWT_GRANT, assertion=assertion(org))
    assert answer.status_code == 200 and answer.json()["access_token"]


@pytest.mark.parametrize(
    "claims, error",
    [
        ({"sub": "someone.else@example.com"}, "invalid_grant"),
        ({"aud": "https://evil.example.com"}, "invalid_grant"),
        ({"exp": int(time.time()) - 60}, "invalid_grant"),
        ({"exp": int(time.time()) + 3600}, "invalid_grant"),  # more than 3 minutes ahead
        ({"iss": "another-app"}, "invalid_client_id"),
    ],
)
def test_a_jwt_with_wrong_claims_is_refused(org, claims, error):
    answer = token(org, grant_type=JWT_GRANT, assertion=assertion(org, **claims))
    assert (answer.status_code, answer.json()["error"]) == (400, error)


def test_a_jwt_signed_with_another_key_is_refused(org):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    answer = token(org, grant_type=JWT_GRANT, assertion=assertion(org, stranger.decode()))
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}
    tampered = assertion(org)[:-6] + "AAAAAA"
    assert token(org, grant_type=JWT_GRANT, assertion=tampered).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/services/data/v59.0/query?q=SELECT+Id+FROM+Account"),
        ("GET", "/services/data/v59.0/sobjects/Account/describe"),
        ("PATCH", "/services/data/v59.0/composite/sobjects/Account/Id"),
        ("POST", "/services/data/v59.0/jobs/query"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_rest_and_bulk_calls_without_a_valid_bearer_token_get_401(org, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = requests.request(method, org.server.url + path, headers=headers, json={}, timeout=10)
    assert answer.status_code == 401
    assert answer.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.mark.parametrize("auth", ["client_credentials", "jwt_bearer"])
def test_the_connector_pulls_with_either_oauth_flow(org, auth):
    connector = org.connector(page_size=10, connection=org.connection(auth))
    assert connector.flow == auth
    assert sorted(ids(list(connector.pull(None)))) == sorted(ACCOUNTS + CONTACTS)


def test_the_connector_names_salesforces_reason_for_refused_credentials(org):
    connection = org.connection("client_credentials")
    connection["extra"]["consumer_secret"] = "stale"
    with pytest.raises(ConnectorError, match="salesforce.login.*invalid_client: invalid client credentials"):
        org.connector(connection=connection).check()
    connection = org.connection("jwt_bearer")
    connection["login"] = "someone.else@example.com"
    with pytest.raises(ConnectorError, match="invalid_grant"):
        org.connector(connection=connection).check()
