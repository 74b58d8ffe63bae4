"""Pushing to the ERP goes 100 customers a round trip through its bulk operations GetCustomers and
UpsertCustomers (issue 15: one GetCustomer + UpsertCustomer per record made the ERP publish take 48 s at
20k), and a customer the ERP refuses inside a batch fails alone, as with one call per record. Only the
customers whose fields an update writes are read first: the golden id alone is written unread."""

from __future__ import annotations

import pytest
from lxml import etree

from connectors.base import ConnectorError, PushUpdate
from sources.erp.service import CustomerService, E
from sources.erp.soap import SoapFault
from sources.erp.store import CustomerStore

LONG_TAX_ID = "BG 831 826 092 0001"  # 19 characters, STCD1 takes 16


def _seed_people(erp, count: int) -> list[str]:
    rows = [{"source_system": "erp", "source_id": str(5000 + n), "record_type": "person",
             "given_name": f"Given{n}", "family_name": f"Family{n}", "country": "DE",
             "updated_at": "2024-03-01T08:00:00Z"} for n in range(count)]
    erp.system.seed(rows)
    return [f"{5000 + n:010d}" for n in range(count)]


def test_250_customers_take_three_reads_and_three_writes(erp):
    ids = _seed_people(erp, 250)
    erp.system.calls.clear()
    result = erp.connector().push([PushUpdate(sid, f"G-{sid}", {"city": "Berlin"}) for sid in ids])
    assert (len(result.pushed), result.failed, result.parked) == (250, {}, {})
    assert erp.system.calls["GetCustomers"] == 3 and erp.system.calls["UpsertCustomers"] == 3
    assert erp.system.calls["GetCustomer"] == erp.system.calls["UpsertCustomer"] == 0
    assert {erp.system.inspect(sid)["ZZ_GOLDEN_ID"] for sid in ids} == {f"G-{sid}" for sid in ids}
    assert {erp.system.inspect(sid)["ORT01"] for sid in ids} == {"Berlin"}

    erp.system.calls.clear()  # again: read only, nothing to write, so no UpsertCustomers at all
    again = erp.connector().push([PushUpdate(sid, f"G-{sid}", {"city": "Berlin"}) for sid in ids])
    assert len(again.pushed) == 250 and erp.system.calls["UpsertCustomers"] == 0


def test_golden_ids_alone_are_written_without_reading_the_customers_first(erp):
    ids = _seed_people(erp, 250)
    erp.system.calls.clear()
    result = erp.connector().push([PushUpdate(sid, f"G-{sid}", {}) for sid in ids])
    assert (len(result.pushed), result.failed, result.parked) == (250, {}, {})
    assert (erp.system.calls["GetCustomers"], erp.system.calls["UpsertCustomers"]) == (0, 3)
    assert {erp.system.inspect(sid)["ZZ_GOLDEN_ID"] for sid in ids} == {f"G-{sid}" for sid in ids}
    stamps = {sid: erp.system.inspect(sid)["CHANGED_AT"] for sid in ids}

    again = erp.connector().push([PushUpdate(sid, f"G-{sid}", {}) for sid in ids])  # the same ids
    assert len(again.pushed) == 250
    assert {sid: erp.system.inspect(sid)["CHANGED_AT"] for sid in ids} == stamps  # nothing changed


def test_a_customer_the_erp_refuses_inside_a_batch_fails_alone(erp):
    connector = erp.connector()
    connector.call  # noqa: B018 - load the WSDL, then forget its facets so the long value goes out
    connector.field_limits = {}
    erp.system.store.block("0000001003", anonymize=False)
    erp.system.calls.clear()
    result = connector.push([
        PushUpdate("0000001001", "G-1", {}),
        PushUpdate("0000001002", "G-2", {"tax_id": LONG_TAX_ID}),  # the ERP's schema refuses it
        PushUpdate("0000001003", "G-3", {}),  # blocked: GetCustomers lists it as missing
        PushUpdate("0000009999", "G-9", {}),  # no such customer
        PushUpdate("0000001004", "G-4", {}),
    ])
    assert result.pushed == ["0000001001", "0000001004"]
    assert sorted(result.failed) == ["0000001002", "0000001003", "0000009999"]
    assert "SCHEMA_VIOLATION" in result.failed["0000001002"]
    assert "CUSTOMER_BLOCKED" in result.failed["0000001003"]
    assert "CUSTOMER_NOT_FOUND" in result.failed["0000009999"]
    assert [erp.system.inspect(n)["ZZ_GOLDEN_ID"] for n in ("1001", "1004")] == ["G-1", "G-4"]
    assert not erp.system.inspect("1002").get("ZZ_GOLDEN_ID")  # refused as a whole, like UpsertCustomer
    # the one with a field read first; the golden ids alone written unread, and the refused ones read
    assert (erp.system.calls["GetCustomers"], erp.system.calls["UpsertCustomers"]) == (2, 1)


def test_more_than_100_customers_in_one_call_are_refused(erp):
    """zeep already refuses to send 101 (the WSDL's maxOccurs); the service refuses them too."""
    with pytest.raises(ConnectorError, match="maxOccurs"):
        erp.connector().call("UpsertCustomers", customer=[{"KUNNR": "0000001001"}] * 101)
    service = CustomerService(erp.system.store, erp.system.description)
    request = E.UpsertCustomers(*(E.customer(E.KUNNR("0000001001"), E.ZZ_GOLDEN_ID("x")) for _ in range(101)))
    with pytest.raises(SoapFault) as refused:
        service.handle(request)
    assert refused.value.code == "TOO_MANY_ITEMS"
    assert erp.system.inspect("1001").get("ZZ_GOLDEN_ID") is None


def test_one_bulk_call_writes_each_customer_as_its_own_upsert_would(erp):
    """UpsertCustomers commits once per call; inside it each customer still sees the ones before it
    and gets its own strictly later change stamp, and a refused one leaves nothing behind."""
    service = CustomerService(erp.system.store, erp.system.description)
    erp.system.store.block("0000001003", anonymize=False)
    request = E.UpsertCustomers(
        E.customer(E.KTOKD("ZPER"), E.ZZ_GOLDEN_ID("no-name")),  # new without NAME1: refused
        E.customer(E.KUNNR("0000001001"), E.ZZ_GOLDEN_ID("G-A")),
        E.customer(E.KUNNR("0000001001"), E.ZZ_GOLDEN_ID("G-A")),  # the same again: no change
        E.customer(E.KUNNR("0000001003"), E.ZZ_GOLDEN_ID("G-C")),  # blocked: refused
        E.customer(E.KUNNR("0000001002"), E.ZZ_GOLDEN_ID("G-B")),
    )
    count = erp.system.store.count()
    latest_before = erp.system.store.list_changed(None, None, count)[-1]["CHANGED_AT"]
    answer = etree.fromstring(service.handle(request))  # the reply payload, as XML text
    results = [(r.findtext("{*}status"), r.findtext("{*}code"), r.findtext("{*}changed")) for r in answer]
    assert results == [("ERROR", "MISSING_FIELD", None), ("OK", None, "true"), ("OK", None, "false"),
                       ("ERROR", "CUSTOMER_BLOCKED", None), ("OK", None, "true")]
    assert erp.system.store.count() == count
    first, second = (erp.system.store.get(n) for n in ("1001", "1002"))
    assert (first["ZZ_GOLDEN_ID"], second["ZZ_GOLDEN_ID"]) == ("G-A", "G-B")
    assert latest_before < first["CHANGED_AT"] < second["CHANGED_AT"]
    assert erp.system.store.get("1003").get("ZZ_GOLDEN_ID") is None
    asked = ("0000001002", "0000009999", "0000001001")
    found = etree.fromstring(service.handle(E.GetCustomers(*(E.KUNNR(n) for n in asked))))
    assert [c.findtext("{*}ZZ_GOLDEN_ID") for c in found.iterfind("{*}customer")] == ["G-B", "G-A"]
    assert [m.findtext("{*}code") for m in found.iterfind("{*}missing")] == ["CUSTOMER_NOT_FOUND"]


def test_new_customers_in_one_bulk_call_get_the_next_numbers(tmp_path):
    """Inside one unit of work the store remembers what it wrote: each new customer gets the number
    after the one before, a written customer reads back as written, with no block."""
    store = CustomerStore(tmp_path / "erp.db")
    store.upsert("0000200000", {"KTOKD": "ZPER", "NAME1": "Before"})
    with store.bulk() as batch:
        first = batch.upsert(None, {"KTOKD": "ZPER", "NAME1": "First"}).customer
        second = batch.upsert(None, {"KTOKD": "ZPER", "NAME1": "Second"}).customer
        assert batch.get(first["KUNNR"]) == first and not batch.is_blocked(first["KUNNR"])
    assert (first["KUNNR"], second["KUNNR"]) == ("0000200001", "0000200002")
    assert first["CHANGED_AT"] < second["CHANGED_AT"]
    assert store.get("200002")["NAME1"] == "Second"


def test_a_customer_number_that_is_none_fails_alone_in_a_bulk_call(erp):
    service = CustomerService(erp.system.store, erp.system.description)
    request = E.UpsertCustomers(
        E.customer(E.KUNNR("0000001001"), E.ZZ_GOLDEN_ID("G-A")),
        E.customer(E.KUNNR("10-01"), E.ZZ_GOLDEN_ID("G-X")),
        E.customer(E.KUNNR("0000001002"), E.ZZ_GOLDEN_ID("G-B")),
    )
    answer = etree.fromstring(service.handle(request))
    assert [r.findtext("{*}status") for r in answer] == ["OK", "ERROR", "OK"]
    assert [erp.system.store.get(n)["ZZ_GOLDEN_ID"] for n in ("1001", "1002")] == ["G-A", "G-B"]
