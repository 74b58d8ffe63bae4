"""The local org driven by ``simple-salesforce`` 1.12 (unmodified) over real HTTP on loopback: REST
query with ``nextRecordsUrl`` paging (``query_all``), describe, single-record upsert by external id,
and a Bulk API 2.0 query job (``bulk2``).

Its session comes from the org's OAuth 2.0 token endpoint (client credentials), handed over as
``Salesforce(instance_url=..., session_id=...)``: the library's own OAuth helpers post to
``https://<domain>.salesforce.com`` only. Its only local setting is the transport: the library builds
``https://`` URLs from the instance, so its requests session carries an adapter that sends them to the
loopback server over plain HTTP — the requests themselves are the library's, byte for byte.
"""

from __future__ import annotations

import csv
import io

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connectors.base import PushUpdate
from tests.salesforce.conftest import ACCOUNTS, CONTACTS, ids


class PlainHttpOnLoopback(HTTPAdapter):
    """Sends the library's ``https://127.0.0.1:<port>`` requests as ``http://`` (no TLS on loopback)."""

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        request.url = "http://" + request.url.removeprefix("https://")
        return super().send(request, *args, **kwargs)


@pytest.fixture
def sf(org) -> Salesforce:
    app = org.system.connected_app
    grant = {"grant_type": "client_credentials", "client_id": app.client_id}
    grant["client_secret"] = app.client_secret
    token = requests.post(f"{org.server.url}/services/oauth2/token", data=grant, timeout=10).json()
    session = requests.Session()
    session.mount(f"https://127.0.0.1:{org.server.port}", PlainHttpOnLoopback())
    return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], session=session)


def test_query_all_follows_next_records_url(sf):
    small_batches = {"Sforce-Query-Options": "batchSize=2"}
    first = sf.query("SELECT Id, LastName FROM Contact ORDER BY Id", headers=small_batches)
    assert (first["totalSize"], first["done"], len(first["records"])) == (5, False, 2)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
    everything = sf.query_all("SELECT Id, LastName FROM Contact ORDER BY Id", headers=small_batches)
    assert [r["Id"] for r in everything["records"]] == CONTACTS
    assert everything["records"][0]["LastName"] == "Иванова"


def test_describe_shows_the_golden_id_as_an_external_id(sf):
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert fields["CRM_Golden_Id__c"]["externalId"] and not fields["SystemModstamp"]["updateable"]


def test_upsert_by_external_id_creates_then_updates_and_the_connector_sees_it(sf, org):
    assert sf.Contact.upsert("CRM_Golden_Id__c/G-NEW", {"LastName": "Đặng", "FirstName": "Minh"}) == 201
    assert sf.Contact.upsert("CRM_Golden_Id__c/G-NEW", {"MailingCity": "Đà Nẵng"}) == 200
    found = sf.query("SELECT Id, FirstName, MailingCity FROM Contact WHERE CRM_Golden_Id__c = 'G-NEW'")
    [created] = found["records"]
    assert (created["FirstName"], created["MailingCity"]) == ("Minh", "Đà Nẵng")
    with pytest.raises(SalesforceMalformedRequest, match="REQUIRED_FIELD_MISSING"):
        sf.Contact.upsert("CRM_Golden_Id__c/G-OTHER", {"FirstName": "no last name"})
    connector = org.connector(page_size=10, connection=org.connection("client_credentials"))
    pages = list(connector.pull(None))
    assert created["Id"] in ids(pages)
    assert connector.push([PushUpdate(created["Id"], "G-NEW", {"emails": ["minh@example.vn"]})]).failed == {}
    assert sf.Contact.get(created["Id"])["Email"] == "minh@example.vn"


def test_bulk2_query_pages_csv_results_with_the_locator(sf):
    pages = list(sf.bulk2.Contact.query("SELECT Id, LastName, Email FROM Contact", max_records=2, wait=0.05))
    assert len(pages) == 3
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert [r["Id"] for r in rows] == CONTACTS
    assert rows[2]["Email"] == ""  # null in Bulk CSV
    accounts = list(sf.bulk2.Account.query("SELECT Id, Name FROM Account", wait=0.05))
    assert [r["Id"] for r in csv.DictReader(io.StringIO(accounts[0]))] == ACCOUNTS
