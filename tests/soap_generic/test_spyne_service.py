"""The generic SOAP connector, configured in YAML only, against a service written with spyne (a third-
party SOAP framework, its own WSDL): HTTP Basic auth, a nested address, an array of e-mails, paging by
change time with an offset through ties, faults with codes; push-back into the nested elements without
blanking their other parts; incremental; a sync with no change writes nothing."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import spyne.const
import yaml
from zeep.helpers import serialize_object

from connectors.credentials import credentials_from_env
from connectors.registry import build_connector
from connectors.soap import SoapFaultError
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import HubConfig
from sources.spyne_crm import CustomerBook, SpyneCrm

SOURCE_YAML = """
name: crm_spyne
kind: soap
connection_id: crmhub_spyne
page_size: 3
push_fields: [emails, street]
options:
  auth: basic
  paging: change_time
  list_operation: ListCustomers
  since_argument: changedSince
  offset_argument: offset
  page_size_argument: limit
  records_path: customers.Customer
  change_time_path: changed_at
  id_field: id
  get_operation: GetCustomer
  get_id_argument: id
  upsert_operation: UpsertCustomer
  upsert_argument: customer
  golden_id_field: golden_id
  read_only_fields: [changed_at]
mapping:
  id: source_id
  name: full_name
  address.street: street
  address.postal_code: postal_code
  address.city: city
  address.country: country
  emails.string: emails
  phone: phone
  changed_at: updated_at
"""

CUSTOMERS = [
    # typed in long ago without e-mail or street (the newer record below wins the address): both are
    # pushed into her nested elements
    {"id": "C2", "name": "SCHMIDT, ANNA", "phone": "+493044012233", "emails": [],
     "address": {"postal_code": "10435", "city": "BERLIN", "country": "DE"}},
    {"id": "C1", "name": "Anna Schmidt", "phone": "+49 30 44012233", "emails": ["anna.schmidt@example.de"],
     "address": {"street": "Kastanienallee 12", "postal_code": "10435", "city": "Berlin", "country": "DE"}},
    {"id": "C3", "name": "Чоно Николов", "phone": "+359 2 987 6543", "emails": ["chono@example.bg"],
     "address": {"street": "ул. Витоша 15", "postal_code": "1000", "city": "София", "country": "BG"}},
    {"id": "C4", "name": "Chono Nikolov", "phone": "+359 2 987 6543", "emails": ["chono@example.bg"],
     "address": {"street": "ul. Vitosha 15", "postal_code": "1000", "city": "Sofia", "country": "BG"}},
    {"id": "C5", "name": "Peter Schmidt", "phone": "+49 30 44012233", "emails": ["peter.schmidt@example.de"],
     "address": {"street": "Kastanienallee 12", "postal_code": "10435", "city": "Berlin", "country": "DE"}},
    {"id": "C6", "name": "María García López", "emails": ["maria.garcia@example.es"],
     "address": {"street": "Calle Mayor 3", "postal_code": "28013", "city": "Madrid", "country": "ES"}},
    {"id": "C7", "name": "John Smith", "phone": "+44 20 7946 0018",
     "address": {"street": "221 Baker Street", "postal_code": "NW1 6XE", "city": "London", "country": "GB"}},
]


@pytest.fixture
def service(monkeypatch):
    # spyne runs gc.collect() after a request (at most once a second) to hand back the file descriptors
    # of uploads, which this service has none of; in the suite's heap (Airflow, polars, zeep loaded) each
    # collection takes over a second, and a sync waits on about twenty of them (41 s instead of 4).
    monkeypatch.setattr(spyne.const, "MIN_GC_INTERVAL", float("inf"))
    book = CustomerBook()
    for row in CUSTOMERS:  # one at a time: distinct change times, some of them equal (ties)
        book.add(row)
    server = SpyneCrm(book).serve()
    yield server
    server.stop()


def _config(store_url: str) -> HubConfig:
    return HubConfig.model_validate({"database_url": store_url, "sources": [yaml.safe_load(SOURCE_YAML)]})


def _connection(server: SpyneCrm, password: str) -> str:
    return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": server.server.server_port,
                       "login": server.login, "password": password})


def test_yaml_only_sync_with_a_spyne_service(service, store_url, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_SPYNE", _connection(service, service.password))
    pipeline = SyncPipeline(_config(store_url), HubStore(store_url, upgrade=True))
    first = pipeline.run(run_id="spyne-1")
    assert first.failed == {} and first.problems() == []
    assert first.extracted["crm_spyne"]["inserted"] == len(CUSTOMERS)
    book = service.book.customers
    assert all(row.get("golden_id") for row in book.values())
    assert book["C1"]["golden_id"] == book["C2"]["golden_id"]
    assert book["C3"]["golden_id"] == book["C4"]["golden_id"]
    assert book["C1"]["golden_id"] != book["C5"]["golden_id"]  # a household sharing a landline
    # pushed into the nested address without blanking its postal code and city, and the whole e-mail array
    assert book["C2"]["address"] == {"street": "Kastanienallee 12", "postal_code": "10435", "city": "BERLIN",
                                     "country": "DE"}
    assert book["C2"]["emails"] == ["anna.schmidt@example.de"]

    service.book.add({"id": "C8", "name": "Jon Smith", "phone": "+44 20 7946 0018",
                      "address": {"street": "221 Baker St", "postal_code": "NW1 6XE", "city": "London",
                                  "country": "GB"}})
    second = pipeline.run(run_id="spyne-2")
    assert second.failed == {} and second.extracted["crm_spyne"]["inserted"] == 1
    assert book["C8"]["golden_id"] == book["C7"]["golden_id"]

    upserts, before = service.book.upserts, json.dumps(book, default=str, sort_keys=True)
    third = pipeline.run(run_id="spyne-3")
    assert third.failed == {} and third.published["crm_spyne"]["pushed"] == 0
    assert service.book.upserts == upserts and json.dumps(book, default=str, sort_keys=True) == before
    pipeline.store.close()


def test_a_wrong_password_fails_the_extract_naming_http_401(service, store_url, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_SPYNE", _connection(service, "wrong"))
    pipeline = SyncPipeline(_config(store_url), HubStore(store_url, upgrade=True))
    summary = pipeline.run(run_id="spyne-bad")
    assert "401" in summary.failed["extract:crm_spyne"]
    pipeline.store.close()


def test_paging_by_change_time_reads_every_record_through_ties(service, monkeypatch):
    """Seven records changed in the same instant, pages of three: the offset walks through the tie."""
    same = next(iter(service.book.customers.values()))["changed_at"]
    for row in service.book.customers.values():
        row["changed_at"] = same
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_SPYNE", _connection(service, service.password))
    source = _config("sqlite://").sources[0]
    connector = build_connector(source, credentials_from_env("crmhub_spyne"))
    pages = list(connector.pull(None))
    ids = [record.source_id for page in pages for record in page.records]
    assert sorted(ids) == sorted(row["id"] for row in CUSTOMERS) and len(pages) == 3
    again = [r.source_id for page in connector.pull(pages[-1].cursor) for r in page.records]
    assert sorted(again) == sorted(ids)  # the next run re-reads the last instant, nothing after it


def test_plain_replies_of_a_third_party_service_are_zeeps_data(service, monkeypatch):
    """SoapCaller.plain (what the ERP connector reads its bulk replies with) is not bound to our ERP's
    WSDL: spyne's own types -- xsd:dateTime, xsd:integer, a nested address, string arrays, nillable
    elements -- come out exactly as zeep's objects serialised, whichever way each reply is read."""
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_SPYNE", _connection(service, service.password))
    call = build_connector(_config("sqlite://").sources[0], credentials_from_env("crmhub_spyne")).call
    for offset in (0, 3, 6, 9):
        plain = call.plain("ListCustomers", offset=offset, limit=3)
        assert plain == serialize_object(call("ListCustomers", offset=offset, limit=3), dict)
    first = call.plain("ListCustomers", offset=0, limit=1)["customers"]["Customer"][0]
    assert isinstance(first["changed_at"], datetime)
    assert call.plain("GetCustomer", id="C1") == serialize_object(call("GetCustomer", id="C1"), dict)
    with pytest.raises(SoapFaultError):
        call.plain("GetCustomer", id="nobody")
