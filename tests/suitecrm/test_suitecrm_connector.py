"""SugarCrmConnector against the local SuiteCRM over real HTTP: paging, resume, faults, re-auth, push-back."""

from __future__ import annotations

import itertools
import time

import pytest
from loopback import pulled_ids
from suitecrm_samples import ACCOUNT_IDS, CONTACT_IDS, VALID_IDS, flat, uid

from connectors.base import ConnectorError, PushUpdate


def test_check_authenticates_with_the_password_grant(crm):
    crm.connector().check()
    with pytest.raises(ConnectorError, match=r"^suitecrm\.authenticate: .*HTTP 400: The user credentials"):
        crm.connector(password="wrong").check()


def test_full_pull_reads_accounts_then_contacts_in_every_script(crm):
    pages = list(crm.connector().pull(None))
    records = {r.source_id: r for page in pages for r in page.records}
    assert pulled_ids(pages) == ACCOUNT_IDS + CONTACT_IDS
    quarantined = [q for page in pages for q in page.quarantined]
    assert [(q.source_id, "emails" in q.reason) for q in quarantined] == [(uid(9), True)]
    ivan = records[uid(1)]
    assert (ivan.record_type, ivan.given_name, ivan.family_name) == ("person", "Иван", "Петров")
    assert ivan.phones == ["+359881234567"] and str(ivan.date_of_birth) == "1980-05-17"
    assert ivan.addresses[0].city == "София" and ivan.addresses[0].street == "ул. Витоша 12"
    assert records[uid(2)].given_name == "สมชาย" and records[uid(3)].family_name == "陳"
    assert records[uid(4)].given_name == "Văn An" and records[uid(8)].family_name == "رضایی"
    assert records[uid(5)].emails == ["j.mueller@example.de", "juergen@work.example.de"]
    bau, tsmc = records[uid(6)], records[uid(7)]
    assert (bau.record_type, bau.organization_name, bau.tax_id) == ("organization", "Müller Bau GmbH",
                                                                    "DE123456789")
    assert tsmc.organization_name == "台積電股份有限公司" and tsmc.addresses[0].city == "新竹市"
    assert records[uid(5)].updated_at.isoformat() == "2024-01-01T08:00:04+00:00"
    assert all(r.updated_at.utcoffset().total_seconds() == 0 for r in records.values())
    assert records[uid(1)].raw["date_modified"] == "2024-01-01T10:00:00+00:00"  # SuiteCRM's ATOM format


def test_resume_after_a_crash_loses_and_repeats_nothing(crm):
    first_two = list(itertools.islice(crm.connector(page_size=3).pull(None), 2))  # then the worker "crashes"
    assert [len(p.records) for p in first_two] == [2, 3]  # page 2 is inside Contacts
    resumed = list(crm.connector(page_size=3).pull(first_two[-1].cursor))
    ids = pulled_ids(first_two) + pulled_ids(resumed)
    assert sorted(ids) == sorted(VALID_IDS) and len(ids) == len(set(ids))


def test_incremental_run_pulls_only_what_changed_after_the_cursor(crm):
    connector = crm.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    crm.touch("Contacts", uid(3), primary_address_city="新北市")
    crm.touch("Accounts", uid(6), billing_address_city="München")
    changed = list(connector.pull(cursor))
    records = {r.source_id: r for page in changed for r in page.records}
    assert pulled_ids(changed) == [uid(6), uid(3)]
    assert records[uid(3)].addresses[0].city == "新北市" and records[uid(6)].addresses[0].city == "München"
    assert list(connector.pull(changed[-1].cursor)) == []


def test_a_second_shared_by_more_records_than_a_page_is_read_exactly_once(make_crm):
    rows = [flat(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", family_name="Tie",
                 email=f"k{i}@example.de", country="DE") for i in range(100, 125)]
    crm = make_crm(rows)
    pages = crm.connector(page_size=4).pull(None)
    ids = pulled_ids(itertools.islice(pages, 3))
    crm.touch("Contacts", uid(100), primary_address_city="Köln")  # delivered, edited: comes again later
    crm.touch("Contacts", uid(120), primary_address_city="Köln")  # not delivered yet: must come once
    ids += pulled_ids(pages)
    assert set(ids) == {uid(i) for i in range(100, 125)}
    assert ids.count(uid(120)) == 1 and ids.count(uid(100)) == 2 and len(ids) == 26


def test_resume_inside_a_tie_group(make_crm):
    rows = [flat(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", email=f"k{i}@example.de")
            for i in range(200, 211)]
    crm = make_crm(rows)
    first, second = itertools.islice(crm.connector(page_size=4).pull(None), 2)
    rest = list(crm.connector(page_size=4).pull(second.cursor))
    assert pulled_ids([first, second, *rest]) == [uid(i) for i in range(200, 211)]


def test_503_and_429_are_retried(crm):
    crm.system.faults.fail_next(2, status=503)
    assert sorted(pulled_ids(crm.connector().pull(None))) == sorted(VALID_IDS)
    crm.system.faults.throttle_next(1, retry_after=1)
    started = time.monotonic()
    assert sorted(pulled_ids(crm.connector().pull(None))) == sorted(VALID_IDS)
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_persistent_5xx_becomes_a_connector_error_naming_the_request(crm):
    connector = crm.connector()
    connector.check()
    crm.system.faults.fail_next(50, status=500)
    expected = r"^suitecrm\.pull: Accounts request 1: GET /Api/V8/module/Accounts -> HTTP 500"
    with pytest.raises(ConnectorError, match=expected):
        list(connector.pull(None))


def test_an_expired_token_is_renewed_once(crm):
    connector = crm.connector(page_size=3)
    pages = connector.pull(None)
    next(pages)
    issued = crm.system.tokens.issued
    crm.system.expire_tokens()
    assert len(pulled_ids(pages)) == len(VALID_IDS) - 2
    assert crm.system.tokens.issued == issued + 1


def test_a_token_refused_twice_is_a_clear_error(make_crm):
    crm = make_crm(token_ttl=0)  # every token is already expired when it arrives
    with pytest.raises(ConnectorError, match=r"HTTP 401: The resource owner .* \(Access token has expired\)"):
        crm.connector().check()
    assert crm.system.tokens.issued == 2  # the first try and exactly one renewal


def test_a_malformed_record_is_quarantined_and_the_rest_of_the_page_kept(crm):
    crm.system.faults.malform_next()
    first = next(crm.connector().pull(None))
    assert pulled_ids([first]) == [uid(7)]
    assert [(q.source_id, "not-an-e-mail" in q.reason) for q in first.quarantined] == [(uid(6), True)]


def test_truncated_json_names_system_operation_and_request(crm):
    crm.system.faults.truncate_next()
    with pytest.raises(ConnectorError, match=r"^suitecrm\.pull: Accounts request 1: malformed JSON"):
        list(crm.connector().pull(None))


def test_a_zero_date_is_quarantined_and_does_not_move_the_cursor(make_crm):
    crm = make_crm([flat(1, "2024-02-30T00:00:00Z", given_name="Bad", family_name="Date", country="DE"),
                    flat(2, "2024-01-01T00:00:00Z", given_name="Good", family_name="Date", country="DE")])
    (page,) = list(crm.connector().pull(None))
    assert pulled_ids([page]) == [uid(2)]
    assert page.quarantined[0].source_id == uid(1) and "updated_at" in page.quarantined[0].reason
    assert page.quarantined[0].payload["date_modified"] == "-0001-11-30T00:00:00+00:00"
    assert '"since":"2024-01-01 00:00:00"' in page.cursor


def test_invalid_cursor_is_a_clear_error(crm):
    with pytest.raises(ConnectorError, match=r"^suitecrm\.pull: invalid cursor 'page=3'"):
        list(crm.connector().pull("page=3"))


def test_push_writes_golden_id_and_changed_fields_idempotently(crm):
    connector = crm.connector()
    update = PushUpdate(uid(4), "G-000004", {"given_name": "Văn An", "emails": ["an.nguyen@example.vn"],
                                             "phones": ["+84912345678"], "postal_code": "100000"})
    assert connector.push([update]).pushed == [uid(4)]
    stored = crm.system.inspect(uid(4))
    assert stored["golden_id"] == "G-000004" and stored["module"] == "Contacts"
    attributes = stored["attributes"]
    assert attributes["primary_address_postalcode"] == "100000" and attributes["phone_work"] == "+84912345678"
    assert attributes["email2"] == ""  # only the primary e-mail field is written
    time.sleep(1.1)  # a second write would now stamp a later date_modified
    assert connector.push([update]).pushed == [uid(4)]
    assert crm.system.inspect(uid(4))["attributes"]["date_modified"] == attributes["date_modified"]
    account = PushUpdate(uid(6), "G-000006", {"organization_name": "Müller Bau GmbH", "city": "Berlin"})
    assert connector.push([account]).pushed == [uid(6)]
    stored = crm.system.inspect(uid(6))
    assert stored["golden_id"] == "G-000006" and stored["attributes"]["billing_address_city"] == "Berlin"


def test_push_failures_are_reported_per_record(crm):
    result = crm.connector().push([PushUpdate("no-such-id", "G-1", {}), PushUpdate(uid(10), "G-2", {})])
    assert result.pushed == [uid(10)]
    assert "no record with this id in Accounts, Contacts" in result.failed["no-such-id"]
    assert crm.system.inspect(uid(10))["golden_id"] == "G-2"


def test_push_golden_id_only_when_fields_are_not_pushed(crm):
    crm.connector(push_fields=False).push([PushUpdate(uid(2), "G-2", {"given_name": "Somchai"})])
    stored = crm.system.inspect(uid(2))
    assert (stored["golden_id"], stored["attributes"]["first_name"]) == ("G-2", "สมชาย")

