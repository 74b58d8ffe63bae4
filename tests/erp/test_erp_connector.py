"""ErpSoapConnector against the local ERP over real HTTP: pull, resume, incremental, push, faults."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from connectors.base import ConnectorError, PushUpdate
from connectors.credentials import parse_connection
from connectors.soap import SoapFaultError
from connectors.soap_erp import ErpSoapConnector
from schemas import SourceConfig
from sources.erp.faults import FaultSettings

ALL_IDS = [f"{n:010d}" for n in range(1001, 1007)]
MALFORMED_ID = "0000001006"


def ids(pages) -> list[str]:
    return [r.source_id for p in pages for r in p.records] + [
        q.source_id for p in pages for q in p.quarantined
    ]


def test_full_refresh_maps_every_script_and_quarantines_the_malformed_row(erp):
    pages = list(erp.connector(page_size=2).pull(None))
    assert [len(p.records) + len(p.quarantined) for p in pages] == [2, 2, 2]
    records = {r.source_id: r for p in pages for r in p.records}
    assert sorted(records) == ALL_IDS[:-1]
    anna = records["0000001001"]
    assert (anna.given_name, anna.family_name, anna.record_type) == ("Анна", "Иванова", "person")
    assert anna.phones == ["+35929876543", "+359881234567"]
    assert (anna.addresses[0].city, anna.date_of_birth, anna.country) == ("София", date(1985, 4, 12), "BG")
    assert anna.updated_at.isoformat() == "2024-03-01T08:00:00+00:00"
    assert anna.raw["KUNNR"] == "0000001001" and anna.raw["NAME1"] == "Иванова"
    assert (records["0000001002"].family_name, records["0000001003"].given_name) == ("ใจดี", "志明")
    lan = records["0000001004"]
    assert (lan.family_name, lan.given_name, lan.full_name) == ("Nguyễn", "Thị Lan", "Nguyễn Thị Lan")
    company = records["0000001005"]
    assert (company.record_type, company.organization_name, company.family_name) == (
        "organization",
        "Müller Maschinenbau GmbH",
        None,
    )
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == MALFORMED_ID and "e-mail" in bad.reason and bad.payload["SMTP_ADDR"]


def test_resume_after_a_crash_loses_and_repeats_nothing(erp):
    connector = erp.connector(page_size=2)
    stream = connector.pull(None)
    first_two = [next(stream), next(stream)]  # then the worker "crashes"
    resumed = list(erp.connector(page_size=2).pull(first_two[-1].cursor))
    seen = ids(first_two) + ids(resumed)
    assert sorted(seen) == ALL_IDS and len(seen) == len(set(seen))


def test_incremental_run_pulls_only_customers_changed_after_the_cursor(erp):
    connector = erp.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    erp.system.store.upsert("0000001003", {"ORT01": "高雄市"})
    erp.system.store.upsert(None, {"KTOKD": "ZPER", "NAME1": "Trần", "NAME2": "Văn Minh", "LAND1": "VN"})
    pages = list(connector.pull(cursor))
    changed = [r for p in pages for r in p.records]
    assert [(r.source_id, r.addresses[0].city if r.addresses else None) for r in changed] == [
        ("0000001003", "高雄市"),
        ("0000100000", None),
    ]
    assert list(connector.pull(pages[-1].cursor)) == []


def test_push_writes_golden_id_and_surviving_fields_idempotently(erp):
    connector = erp.connector()
    update = PushUpdate(
        "0000001001",
        "golden-42",
        {"given_name": "Anna", "family_name": "Ivanova", "phones": ["+35929876543"], "city": "Sofia"},
    )
    company = PushUpdate("0000001005", "golden-7", {"organization_name": "Müller Maschinenbau GmbH & Co. KG"})
    result = connector.push([update, company])
    assert (result.pushed, result.failed) == (["0000001001", "0000001005"], {})
    anna = erp.system.inspect("1001")
    assert [anna[f] for f in ("ZZ_GOLDEN_ID", "NAME1", "NAME2", "ORT01")] == [
        "golden-42",
        "Ivanova",
        "Anna",
        "Sofia",
    ]
    assert (anna["TELF1"], anna["TELF2"]) == ("+35929876543", "+359 88 123 4567")  # second phone untouched
    assert erp.system.inspect("1005")["NAME1"] == "Müller Maschinenbau GmbH & Co. KG"
    stamp = anna["CHANGED_AT"]
    assert connector.push([update]).pushed == ["0000001001"]
    assert erp.system.inspect("1001")["CHANGED_AT"] == stamp  # nothing changed, so no new change


def test_push_reports_per_record_failures_and_continues(erp):
    updates = [
        PushUpdate("0000009999", "golden-1", {}),
        PushUpdate("0000001002", "golden-2", {"family_name": "x" * 41}),
        PushUpdate("0000001004", "golden-3", {}),
    ]
    result = erp.connector().push(updates)
    assert result.pushed == ["0000001002", "0000001004"] and list(result.failed) == ["0000009999"]
    assert "CUSTOMER_NOT_FOUND" in result.failed["0000009999"]
    # a name longer than NAME1's maxLength 40 is left out (the ERP would refuse the whole record)
    assert "NAME1" in result.parked["0000001002"] and "takes 40" in result.parked["0000001002"]
    assert erp.system.inspect("1004")["ZZ_GOLDEN_ID"] == "golden-3"
    assert erp.system.inspect("1002")["ZZ_GOLDEN_ID"] == "golden-2"


def test_http_503_and_429_are_retried_by_the_session(erp):
    connector = erp.connector(page_size=10)
    connector.check()  # loads the WSDL before the faults are armed
    erp.system.faults.arm(FaultSettings(http_503=2, http_429=1, retry_after=1))
    started = time.monotonic()
    pages = list(connector.pull(None))
    assert sorted(ids(pages)) == ALL_IDS
    assert erp.system.faults.served == {"http_503": 2, "http_429": 1}
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_transient_soap_faults_are_retried_and_permanent_ones_are_not(erp):
    connector = erp.connector(page_size=10, fault_attempts=3)
    connector.check()
    erp.system.faults.arm(FaultSettings(soap_transient=2))
    assert sorted(ids(list(connector.pull(None)))) == ALL_IDS
    erp.system.faults.arm(FaultSettings(soap_transient=5))
    with pytest.raises(SoapFaultError) as caught:
        list(connector.pull(None))
    assert caught.value.transient and caught.value.code == "ENQUEUE_LOCKED"
    assert erp.system.faults.served["soap_transient"] == 2 + 3


def test_a_malformed_record_is_quarantined_while_the_rest_of_the_page_is_kept(erp):
    connector = erp.connector(page_size=3)
    connector.check()
    erp.system.faults.arm(FaultSettings(malformed=1))
    first = next(connector.pull(None))
    assert len(first.records) == 2 and len(first.quarantined) == 1
    assert first.quarantined[0].source_id == "0000001001" and "e-mail" in first.quarantined[0].reason


def test_bad_credentials_and_unreachable_hosts_fail_check_with_a_reason(erp):
    connection = {**erp.system.connection(erp.server.url), "password": "wrong"}
    config = SourceConfig(name="erp", kind="soap_erp")
    with pytest.raises(ConnectorError, match="FailedAuthentication"):
        ErpSoapConnector(config, parse_connection(json.dumps(connection))).check()
    closed = {**erp.system.connection("http://127.0.0.1:9"), "extra": {}}
    quick = SourceConfig(name="erp", kind="soap_erp", options={"retries": 0, "timeout": 2})
    with pytest.raises(ConnectorError, match="erp.load_wsdl"):
        ErpSoapConnector(quick, parse_connection(json.dumps(closed))).check()


def test_a_wsdl_from_a_file_is_bound_to_the_connections_endpoint(erp):
    from importlib import resources

    wsdl = str(resources.files("sources.erp").joinpath("customer.wsdl"))
    connector = erp.connector(page_size=10, wsdl_path=wsdl)
    erp.system.faults.arm(FaultSettings(http_429=1, retry_after=0))  # proves the call went to our server
    assert sorted(ids(list(connector.pull(None)))) == ALL_IDS
    assert erp.system.faults.served == {"http_429": 1}


def test_an_impossible_migrated_change_date_is_kept_and_quarantined(erp, erp_rows):
    connector = erp.connector(page_size=10)
    cursor = list(connector.pull(None))[-1].cursor
    migrated = {**erp_rows[4], "source_id": "1007", "updated_at": "2019-13-05T10:00:00Z"}
    erp.system.seed([migrated])
    assert (erp.system.inspect("1007")["AEDAT"], erp.system.inspect("1007")["AEZET"]) == (
        "2019-13-05",
        "10:00:00",
    )
    [page] = list(connector.pull(cursor))
    assert page.records == [] and [q.source_id for q in page.quarantined] == ["0000001007"]
    assert "updated_at" in page.quarantined[0].reason
