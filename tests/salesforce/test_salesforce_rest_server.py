"""The local org's REST API and Bulk API 2.0 over real HTTP, where they hold the connector to Salesforce's
documented limits: 200 records per sObject Collections call with a result per record, no ORDER BY or
LIMIT in a Bulk query, results only of a complete job, REST date-times in ``+0000`` form."""

from __future__ import annotations

import pytest
import requests

from tests.salesforce.conftest import ACCOUNTS, CONTACTS

DATA = "/services/data/v59.0"


@pytest.fixture
def api(org):
    app = org.system.connected_app
    grant = {"grant_type": "client_credentials", "client_id": app.client_id}
    grant["client_secret"] = app.client_secret
    token = requests.post(f"{org.server.url}/services/oauth2/token", data=grant, timeout=10).json()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return session.request(method, org.server.url + DATA + path, timeout=10, **kwargs)

    return call


def test_collections_upsert_answers_per_record_and_refuses_more_than_200(api, org):
    records = [
        {"attributes": {"type": "Contact"}, "Id": CONTACTS[0], "FirstName": "Ана"},
        {"attributes": {"type": "Contact"}, "Id": CONTACTS[1], "Email": "not an e-mail"},
        {"attributes": {"type": "Contact"}, "Id": CONTACTS[2], "SystemModstamp": "2020-01-01T00:00:00Z"},
    ]
    answer = api("PATCH", "/composite/sobjects/Contact/Id", json={"allOrNone": False, "records": records})
    assert answer.status_code == 200
    results = answer.json()
    assert [r["success"] for r in results] == [True, False, False]
    assert results[0] == {"id": CONTACTS[0], "success": True, "errors": [], "created": False}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert results[2]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert org.system.inspect(CONTACTS[0])["FirstName"] == "Ана"
    too_many = [{"attributes": {"type": "Contact"}, "Id": CONTACTS[0]}] * 201
    refused = api("PATCH", "/composite/sobjects/Contact/Id", json={"records": too_many})
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "EXCEEDED_ID_LIMIT")


def test_collections_retrieve_gives_null_for_unknown_ids_and_rest_date_times(api):
    unknown = "0035g0000000999AAA"
    answer = api("GET", "/composite/sobjects/Account", params={
        "ids": f"{ACCOUNTS[0]},{unknown}", "fields": "Id,Name,SystemModstamp"})
    first, missing = answer.json()
    assert (first["Name"], first["SystemModstamp"], missing) == (
        "Müller Maschinenbau GmbH", "2024-03-02T11:00:00.000+0000", None)
    bad = api("GET", "/composite/sobjects/Account", params={"ids": ACCOUNTS[0], "fields": "Id,Secret__c"})
    assert (bad.status_code, bad.json()[0]["errorCode"]) == (400, "INVALID_FIELD")


def test_bulk_query_refuses_order_by_and_serves_results_only_when_complete(api):
    refused = api("POST", "/jobs/query", json={"operation": "query",
                                                "query": "SELECT Id FROM Account ORDER BY Id"})
    assert refused.status_code == 400 and "ORDER BY" in refused.json()[0]["message"]
    created = api("POST", "/jobs/query", json={"operation": "query", "query": "SELECT Id, Name FROM Account"})
    job = created.json()
    assert job["state"] == "UploadComplete"
    early = api("GET", f"/jobs/query/{job['id']}/results")
    assert early.status_code == 400
    states = [api("GET", f"/jobs/query/{job['id']}").json()["state"] for _ in range(2)]
    assert states == ["InProgress", "JobComplete"]
    page = api("GET", f"/jobs/query/{job['id']}/results", params={"maxRecords": 1})
    assert page.headers["Sforce-NumberOfRecords"] == "1" and page.headers["Sforce-Locator"] != "null"
    assert page.text == f'"Id","Name"\n"{ACCOUNTS[0]}","Müller Maschinenbau GmbH"\n'
    rest = api("GET", f"/jobs/query/{job['id']}/results", params={"locator": page.headers["Sforce-Locator"]})
    assert rest.headers["Sforce-Locator"] == "null" and ACCOUNTS[1] in rest.text
