"""GenericSoapConnector, configured only through YAML, against the local ERP over real HTTP with
WS-Security: a second route to the same ERP that must behave like its dedicated connector."""

from __future__ import annotations

import time
from datetime import date

import pytest

from connectors.base import ConnectorError, PushUpdate
from connectors.soap import SoapFaultError
from sources.erp.faults import FaultSettings
from tests.soap_generic.conftest import ALL_IDS, MALFORMED_ID, ids


def test_full_refresh_maps_types_scripts_and_quarantines_the_malformed_row(erp):
    pages = list(erp.connector().pull(None))
    assert [len(p.records) + len(p.quarantined) for p in pages] == [2, 2, 2]
    records = {r.source_id: r for p in pages for r in p.records}
    assert sorted(records) == ALL_IDS[:-1]
    anna = records["0000002001"]
    assert (anna.record_type, anna.given_name, anna.family_name, anna.full_name) == (
        "person",
        "Анна",
        "Иванова",
        "Анна Иванова",
    )
    assert anna.phones == ["+35929876543", "+359881234567"] and anna.date_of_birth == date(1985, 4, 12)
    assert anna.updated_at.isoformat() == "2024-03-01T08:00:00+00:00"
    assert (records["0000002002"].family_name, records["0000002003"].given_name) == ("ใจดี", "志明")
    assert records["0000002004"].full_name == "Nguyễn Thị Lan"
    company = records["0000002005"]
    assert (company.record_type, company.organization_name, company.family_name, company.tax_id) == (
        "organization",
        "Müller Maschinenbau GmbH",
        None,
        "DE123456789",
    )
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == MALFORMED_ID and "e-mail" in bad.reason


def test_it_reads_exactly_what_the_dedicated_erp_connector_reads(erp):
    from tests.erp.conftest import connector_for

    dedicated = list(connector_for(erp.system, erp.server, page_size=2).pull(None))
    generic = list(erp.connector().pull(None))
    assert [p.cursor for p in generic] == [p.cursor for p in dedicated]
    canonical = (
        "source_id",
        "record_type",
        "given_name",
        "family_name",
        "full_name",
        "organization_name",
        "emails",
        "phones",
        "country",
        "date_of_birth",
        "tax_id",
        "updated_at",
        "addresses",
    )
    assert [[r.model_dump(include=set(canonical)) for r in p.records] for p in generic] == [
        [r.model_dump(include=set(canonical)) for r in p.records] for p in dedicated
    ]


@pytest.mark.parametrize("stored_pages", [1, 2])
def test_a_crash_between_pages_resumes_without_loss_or_duplicates(erp, stored_pages):
    stream = erp.connector().pull(None)
    stored = [next(stream) for _ in range(stored_pages)]
    seen = ids(stored) + ids(list(erp.connector().pull(stored[-1].cursor)))
    assert sorted(seen) == ALL_IDS and len(seen) == len(set(seen))


def test_incremental_runs_pull_only_changed_customers(erp):
    connector = erp.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    erp.system.store.upsert("0000002003", {"ORT01": "高雄市"})
    [page] = list(connector.pull(cursor))
    assert [(r.source_id, r.addresses[0].city) for r in page.records] == [("0000002003", "高雄市")]
    assert list(connector.pull(page.cursor)) == []


def test_push_writes_golden_id_and_fields_by_record_type_idempotently(erp):
    connector = erp.connector()
    person = PushUpdate(
        "0000002001",
        "golden-42",
        {"given_name": "Anna", "phones": ["+35929876543"], "organization_name": "not for a person"},
    )
    company = PushUpdate(
        "0000002005",
        "golden-7",
        {"organization_name": "Müller Maschinenbau GmbH & Co. KG", "family_name": "not for a company"},
    )
    assert connector.push([person, company]).pushed == ["0000002001", "0000002005"]
    anna = erp.system.inspect("2001")
    assert [anna[f] for f in ("ZZ_GOLDEN_ID", "NAME1", "NAME2", "TELF1", "TELF2")] == [
        "golden-42",
        "Иванова",
        "Anna",
        "+35929876543",
        "+359 88 123 4567",
    ]
    assert erp.system.inspect("2005")["NAME1"] == "Müller Maschinenbau GmbH & Co. KG"
    stamp = anna["CHANGED_AT"]
    assert connector.push([person]).pushed == ["0000002001"]
    assert erp.system.inspect("2001")["CHANGED_AT"] == stamp  # unchanged: nothing written


def test_push_failures_are_reported_per_record(erp):
    result = erp.connector().push([PushUpdate("0000009999", "g-1", {}), PushUpdate("0000002004", "g-2", {})])
    assert result.pushed == ["0000002004"] and "CUSTOMER_NOT_FOUND" in result.failed["0000009999"]


def test_ws_security_is_sent_from_the_connection_and_checked_by_the_erp(erp):
    connection = erp.system.connection(erp.server.url)
    with pytest.raises(ConnectorError, match="FailedAuthentication"):
        erp.connector(connection={**connection, "password": "wrong"}).check()
    with pytest.raises(ConnectorError, match="UsernameToken required"):
        erp.connector(connection={**connection, "login": None}).check()
    digest = erp.connector(options={"password_digest": True})
    assert sorted(ids(list(digest.pull(None)))) == ALL_IDS


def test_http_503_429_and_listed_transient_faults_are_retried(erp):
    connector = erp.connector(page_size=10, options={"fault_attempts": 3})
    connector.check()
    erp.system.faults.arm(FaultSettings(http_503=2, http_429=1, soap_transient=2, retry_after=1))
    started = time.monotonic()
    assert sorted(ids(list(connector.pull(None)))) == ALL_IDS
    assert erp.system.faults.served == {"http_503": 2, "http_429": 1, "soap_transient": 2}
    assert time.monotonic() - started >= 1.0
    erp.system.faults.arm(FaultSettings(soap_transient=5))
    with pytest.raises(SoapFaultError, match="ENQUEUE_LOCKED"):
        list(connector.pull(None))


def test_a_malformed_record_is_quarantined_while_the_rest_of_the_page_is_stored(erp):
    connector = erp.connector(page_size=3)
    connector.check()
    erp.system.faults.arm(FaultSettings(malformed=1))
    first = next(connector.pull(None))
    assert len(first.records) == 2 and [q.source_id for q in first.quarantined] == ["0000002001"]
    assert "e-mail" in first.quarantined[0].reason


def test_configuration_mistakes_fail_with_a_clear_reason(erp):
    # a typo is refused when the configuration is read, before any connector exists
    with pytest.raises(ValueError, match="unknown option 'list_operaton' \\(did you mean 'list_operation'"):
        erp.connector(options={"list_operaton": "x"})
    with pytest.raises(ConnectorError, match="unknown canonical fields: surname"):
        erp.connector(options={"type_mappings": {"person": {"NAME1": "surname"}}})
    wrong_operation = erp.connector(options={"list_operation": "ListCustomers"})
    with pytest.raises(ConnectorError, match="ListCustomers"):
        wrong_operation.check()
    no_push = erp.connector(options={"upsert_operation": None})
    with pytest.raises(ConnectorError, match="upsert_operation"):
        no_push.push([PushUpdate("0000002001", "g", {})])


def test_a_value_the_erp_could_not_transmit_is_quarantined(erp):
    from tests.soap_generic.conftest import ROWS

    connector = erp.connector(page_size=10)
    cursor = list(connector.pull(None))[-1].cursor
    erp.system.seed([{**ROWS[2], "source_id": "2007", "given_name": "信宏\x01", "updated_at": ""}])
    [page] = list(connector.pull(cursor))
    assert page.records == [] and [q.source_id for q in page.quarantined] == ["0000002007"]
    assert "NAME2" in page.quarantined[0].reason and "U+FFFD" in page.quarantined[0].reason
