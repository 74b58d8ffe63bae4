"""SalesforceConnector on its SOAP fallback (``auth: soap_login``, the Partner API) against the local org
over real HTTP: login, keyset pull of two streams,
crash/resume, incremental runs, session expiry, push-back via upsert, retries and quarantine."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from connectors.base import ConnectorError, PushUpdate
from connectors.soap import SoapFaultError
from sources.erp.faults import FaultSettings
from tests.salesforce.conftest import ACCOUNTS, CONTACTS, MALFORMED_ID, ids


def test_full_refresh_reads_accounts_then_contacts_in_every_script(org):
    pages = list(org.connector(page_size=2).pull(None))
    assert [len(p.records) + len(p.quarantined) for p in pages] == [2, 2, 2, 1]
    assert ids(pages[:1]) == ACCOUNTS
    records = {r.source_id: r for p in pages for r in p.records}
    assert sorted(records) == sorted(ACCOUNTS + CONTACTS[:4])
    anna = records[CONTACTS[0]]
    assert (anna.record_type, anna.given_name, anna.family_name) == ("person", "Анна", "Иванова")
    assert (anna.emails, anna.phones, anna.country) == (["anna.ivanova@example.bg"], ["+35929876543"], "BG")
    assert (anna.addresses[0].city, anna.date_of_birth) == ("София", date(1985, 4, 12))
    assert anna.updated_at.isoformat() == "2024-03-01T08:00:00+00:00"
    assert (records[CONTACTS[1]].given_name, records[CONTACTS[2]].family_name) == ("สมชาย", "陳")
    assert records[CONTACTS[3]].given_name == "Thị Lan"
    company = records[ACCOUNTS[0]]
    assert (company.record_type, company.organization_name, company.tax_id) == (
        "organization",
        "Müller Maschinenbau GmbH",
        "DE123456789",
    )
    assert company.addresses[0].street == "Hauptstraße 5" and company.raw["type"] == "Account"
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == MALFORMED_ID and "e-mail" in bad.reason
    assert bad.payload["Email"] == "john.smith(at)example.com"
    cursor = json.loads(pages[-1].cursor)
    assert cursor == {
        "Account": ["2024-03-04T09:00:00.000Z", ACCOUNTS[1]],
        "Contact": ["2024-03-05T12:00:00.000Z", MALFORMED_ID],
    }


@pytest.mark.parametrize("stored_pages", [1, 2, 3])
def test_a_crash_between_pages_resumes_without_loss_or_duplicates(org, stored_pages):
    stream = org.connector(page_size=2).pull(None)
    stored = [next(stream) for _ in range(stored_pages)]  # then the worker "crashes"
    resumed = list(org.connector(page_size=2).pull(stored[-1].cursor))
    seen = ids(stored) + ids(resumed)
    assert sorted(seen) == sorted(ACCOUNTS + CONTACTS) and len(seen) == len(set(seen))


def test_incremental_runs_pull_only_records_changed_after_the_cursor(org):
    connector = org.connector(page_size=3)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    org.system.store.save("Contact", CONTACTS[2], {"MailingCity": "高雄市"})
    created = org.system.store.save(
        "Account", None, {"Name": "Thai Silk Co., Ltd.", "BillingCountryCode": "TH"}
    )
    pages = list(connector.pull(cursor))
    assert ids(pages) == [created.id, CONTACTS[2]]
    assert pages[-1].records[0].addresses[0].city == "高雄市"
    assert list(connector.pull(pages[-1].cursor)) == []


def test_push_sets_the_golden_id_and_missing_fields_and_is_idempotent(org):
    connector = org.connector()
    person = PushUpdate(
        CONTACTS[2],
        "golden-42",
        {"given_name": "志明", "emails": ["chen@example.tw"], "organization_name": "ignored for a Contact"},
    )
    company = PushUpdate(
        ACCOUNTS[1], "golden-7", {"organization_name": "Sao Mai Co., Ltd.", "given_name": "x"}
    )
    result = connector.push([person, company])
    assert (sorted(result.pushed), result.failed) == (sorted([CONTACTS[2], ACCOUNTS[1]]), {})
    chen = org.system.inspect(CONTACTS[2])
    assert (chen["CRM_Golden_Id__c"], chen["Email"], chen["LastName"]) == (
        "golden-42",
        "chen@example.tw",
        "陳",
    )
    account = org.system.inspect(ACCOUNTS[1])
    assert (account["CRM_Golden_Id__c"], account["Name"]) == ("golden-7", "Sao Mai Co., Ltd.")
    stamp = chen["SystemModstamp"]
    assert connector.push([person]).pushed == [CONTACTS[2]]
    assert org.system.inspect(CONTACTS[2])["SystemModstamp"] == stamp  # nothing sent, nothing re-pulled


def test_push_reports_per_record_errors_and_continues(org):
    updates = [
        PushUpdate("0035g0000000999AAA", "golden-1", {}),  # no such Contact
        PushUpdate(CONTACTS[0], "golden-2", {"emails": ["not an e-mail"]}),  # Salesforce refuses it
        PushUpdate("a0B5g00000XyZ12AAA", "golden-3", {}),  # not an Account/Contact id
        PushUpdate(CONTACTS[3], "golden-4", {}),
    ]
    result = org.connector().push(updates)
    assert result.pushed == [CONTACTS[3]]
    assert "does not exist" in result.failed["0035g0000000999AAA"]
    assert "INVALID_EMAIL_ADDRESS" in result.failed[CONTACTS[0]]
    assert "not a Salesforce" in result.failed["a0B5g00000XyZ12AAA"]
    assert org.system.inspect(CONTACTS[3])["CRM_Golden_Id__c"] == "golden-4"
    assert org.system.inspect(CONTACTS[0])["CRM_Golden_Id__c"] is None


def test_an_ended_session_is_renewed_by_logging_in_again(org):
    connector = org.connector(page_size=2)
    stream = connector.pull(None)
    first = next(stream)
    old_session = connector._session_id
    org.system.org.expire_sessions()  # as when an admin logs the integration user out
    rest = list(stream)
    assert connector._session_id != old_session
    assert sorted(ids([first, *rest])) == sorted(ACCOUNTS + CONTACTS)


def test_an_expired_query_locator_restarts_from_the_last_delivered_row(org):
    connector = org.connector(page_size=1)
    stream = connector.pull(None)
    first = next(stream)
    org.system.org.cursors.clear()  # the org forgot every open query locator
    seen = ids([first, *stream])
    assert sorted(seen) == sorted(ACCOUNTS + CONTACTS) and len(seen) == len(set(seen))


def test_http_503_and_429_are_retried(org):
    connector = org.connector(page_size=10)
    connector.check()
    org.system.faults.arm(FaultSettings(http_503=2, http_429=1, retry_after=1))
    started = time.monotonic()
    assert sorted(ids(list(connector.pull(None)))) == sorted(ACCOUNTS + CONTACTS)
    assert org.system.faults.served == {"http_503": 2, "http_429": 1}
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_concurrency_limits_are_retried_but_the_daily_request_limit_is_not(org):
    connector = org.connector(page_size=10, fault_attempts=3)
    connector.check()
    org.system.faults.arm(FaultSettings(soap_transient=2))  # ConcurrentPerOrgLongTxn Limit exceeded
    assert sorted(ids(list(connector.pull(None)))) == sorted(ACCOUNTS + CONTACTS)
    org.system.org.api_request_limit = org.system.org.api_requests  # TotalRequests used up
    with pytest.raises(SoapFaultError, match="REQUEST_LIMIT_EXCEEDED") as caught:
        list(connector.pull(None))
    assert "TotalRequests" in str(caught.value) and not caught.value.transient
    assert org.system.org.api_requests == org.system.org.api_request_limit + 1  # asked once, not retried


def test_a_malformed_record_is_quarantined_while_the_rest_of_the_page_is_stored(org):
    connector = org.connector(page_size=10)
    connector.check()
    org.system.faults.arm(FaultSettings(malformed=1))
    accounts = next(connector.pull(None))
    assert [r.source_id for r in accounts.records] == ACCOUNTS[1:]
    [bad] = accounts.quarantined
    assert bad.source_id == ACCOUNTS[0] and "country" in bad.reason


def test_bad_credentials_cursor_and_host_fail_with_a_clear_reason(org):
    wrong = {**org.connection(), "extra": {"scheme": "http", "security_token": "stale"}}
    with pytest.raises(ConnectorError, match="INVALID_LOGIN"):
        org.connector(connection=wrong).check()
    with pytest.raises(ConnectorError, match="invalid cursor"):
        list(org.connector().pull('{"Contact": ["2024-01-01T00:00:00Z", "x\' OR Id != \'"]}'))
    closed = org.system.connection("http://127.0.0.1:9", auth="soap_login")
    with pytest.raises(ConnectorError, match="salesforce.load_wsdl"):
        org.connector(connection=closed, retries=0, timeout=2).check()


def test_the_packaged_wsdl_file_works_against_the_connections_login_url(org):
    from importlib import resources

    wsdl = str(resources.files("sources.salesforce").joinpath("partner.wsdl"))
    connector = org.connector(page_size=10, wsdl_path=wsdl)
    assert sorted(ids(list(connector.pull(None)))) == sorted(ACCOUNTS + CONTACTS)
