"""SalesforceConnector on OAuth 2.0 + REST + Bulk API 2.0 against the local org over real HTTP: a full
pull by Bulk query jobs, incremental pulls by REST keyset queries, resume after a crash, token renewal,
push-back through sObject Collections in batches of 200 with per-record failures, and erasure."""

from __future__ import annotations

import json

import pytest

from connectors.base import ConnectorError, PushUpdate
from sources.erp.faults import FaultSettings
from sources.salesforce.objects import record_id
from tests.salesforce.conftest import ACCOUNTS, CONTACTS, MALFORMED_ID, ids


@pytest.fixture
def oauth(org):
    def connector(page_size: int = 2, **options: object):
        return org.connector(page_size=page_size, connection=org.connection("client_credentials"),
                             bulk_poll_seconds=0.05, **options)

    return connector


def test_a_full_pull_is_one_bulk_job_per_object_and_its_last_page_sets_the_position(oauth):
    pages = list(oauth(page_size=2).pull(None))
    assert [len(p.records) + len(p.quarantined) for p in pages] == [2, 2, 2, 1]
    assert ids(pages[:1]) == ACCOUNTS
    cursors = [json.loads(p.cursor) for p in pages]
    # Bulk rows come unordered: until its job is read to the end a stream's position names the job
    assert cursors[0] == {"Account": ["2024-03-04T09:00:00.000Z", ACCOUNTS[1]], "Contact": None}
    assert [sorted(c["Contact"]) for c in cursors[1:3]] == [["bulk_job", "greatest", "locator"]] * 2
    assert cursors[-1]["Contact"] == ["2024-03-05T12:00:00.000Z", MALFORMED_ID]
    records = {r.source_id: r for p in pages for r in p.records}
    anna = records[CONTACTS[0]]
    assert (anna.given_name, anna.family_name) == ("Анна", "Иванова")
    assert anna.emails == ["anna.ivanova@example.bg"]
    assert anna.updated_at.isoformat() == "2024-03-01T08:00:00+00:00"
    assert records[ACCOUNTS[0]].tax_id == "DE123456789"
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == MALFORMED_ID and "e-mail" in bad.reason


def test_a_rest_full_pull_moves_the_position_page_by_page(oauth):
    pages = list(oauth(page_size=2, full_pull="pages").pull(None))
    assert json.loads(pages[0].cursor)["Account"] == ["2024-03-04T09:00:00.000Z", ACCOUNTS[1]]
    assert json.loads(pages[1].cursor)["Contact"] == ["2024-03-01T08:00:00.000Z", CONTACTS[1]]
    assert sorted(ids(pages)) == sorted(ACCOUNTS + CONTACTS)


def test_incremental_pulls_read_only_what_changed_after_the_cursor_over_rest(oauth, org):
    connector = oauth(page_size=2)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    org.system.store.save("Contact", CONTACTS[2], {"MailingCity": "高雄市"})
    thai_silk = {"Name": "Thai Silk Co., Ltd.", "BillingCountryCode": "TH"}
    created = org.system.store.save("Account", None, thai_silk)
    pages = list(connector.pull(cursor))
    assert ids(pages) == [created.id, CONTACTS[2]]
    assert pages[-1].records[0].addresses[0].city == "高雄市"
    assert list(connector.pull(pages[-1].cursor)) == []


@pytest.mark.parametrize("stored_pages", [1, 2, 3])
def test_a_crash_mid_bulk_job_resumes_at_its_locator_without_loss_or_duplicates(oauth, stored_pages):
    stream = oauth(page_size=2).pull(None)
    stored = [next(stream) for _ in range(stored_pages)]  # then the worker "crashes"
    resumed = list(oauth(page_size=2).pull(stored[-1].cursor))
    seen = ids(stored) + ids(resumed)
    assert sorted(seen) == sorted(ACCOUNTS + CONTACTS) and len(seen) == len(set(seen))
    assert json.loads(resumed[-1].cursor)["Contact"] == ["2024-03-05T12:00:00.000Z", MALFORMED_ID]


def test_a_bulk_job_salesforce_no_longer_keeps_is_started_again(oauth):
    stored = next(iter(oauth(page_size=1).pull(None)))
    position = json.loads(stored.cursor)["Account"]
    assert set(position) == {"bulk_job", "locator", "greatest"}
    gone = json.dumps({"Account": {**position, "bulk_job": "750000000000000AAA"}, "Contact": None})
    assert sorted(ids(list(oauth(page_size=1).pull(gone)))) == sorted(ACCOUNTS + CONTACTS)
    with pytest.raises(ConnectorError, match="invalid cursor"):
        bad = {"Account": {**position, "locator": "x&maxRecords=1"}, "Contact": None}
        list(oauth().pull(json.dumps(bad)))


def test_an_expired_token_is_renewed_once_and_the_pull_goes_on(oauth, org):
    connector = oauth(page_size=2, full_pull="pages")
    stream = connector.pull(None)
    first = next(stream)
    old = connector._session_id
    org.system.org.expire_sessions()
    rest = list(stream)
    assert connector._session_id not in (None, old)
    assert sorted(ids([first, *rest])) == sorted(ACCOUNTS + CONTACTS)


def test_push_upserts_in_batches_of_200_and_a_refused_record_fails_alone(org, oauth):
    rows = [
        {"source_id": str(100 + n), "record_type": "person", "family_name": f"Person {n}",
         "updated_at": "2024-04-01T00:00:00Z"}
        for n in range(205)
    ]
    org.system.seed(rows)
    contacts = [record_id("Contact", 100 + n) for n in range(205)]
    updates = [PushUpdate(cid, f"G-{n}", {"given_name": f"Given {n}"}) for n, cid in enumerate(contacts)]
    updates[150] = PushUpdate(contacts[150], "G-150", {"emails": ["not an e-mail"]})
    updates.append(PushUpdate("0035g0000000999AAA", "G-x", {}))  # no such Contact
    result = oauth().push(updates)
    assert len(result.pushed) == 204
    assert sorted(result.failed) == sorted([contacts[150], "0035g0000000999AAA"])
    assert "INVALID_EMAIL_ADDRESS" in result.failed[contacts[150]]
    assert "does not exist" in result.failed["0035g0000000999AAA"]
    assert org.system.inspect(contacts[204])["CRM_Golden_Id__c"] == "G-204"  # in the second batch
    assert org.system.inspect(contacts[204])["FirstName"] == "Given 204"
    assert org.system.inspect(contacts[150])["CRM_Golden_Id__c"] is None
    stamp = org.system.inspect(contacts[0])["SystemModstamp"]
    assert oauth().push(updates[:1]).pushed == [contacts[0]]
    assert org.system.inspect(contacts[0])["SystemModstamp"] == stamp  # unchanged: nothing sent


def test_erasure_runs_on_the_soap_api_with_the_oauth_session(org, oauth):
    result = oauth().delete([CONTACTS[0], "0035g0000000999AAA"])
    assert (sorted(result.pushed), result.failed) == (sorted([CONTACTS[0], "0035g0000000999AAA"]), {})
    assert org.system.inspect(CONTACTS[0]) is None
    assert not org.system.store.in_recycle_bin(CONTACTS[0])


def test_http_503_and_429_are_retried_on_token_rest_and_bulk_calls(org, oauth):
    org.system.faults.arm(FaultSettings(http_503=2, http_429=1, retry_after=1))
    assert sorted(ids(list(oauth(page_size=10).pull(None)))) == sorted(ACCOUNTS + CONTACTS)
    assert org.system.faults.served == {"http_503": 2, "http_429": 1}


def test_the_daily_request_limit_fails_the_pull_and_is_not_retried(org, oauth):
    connector = oauth(page_size=10)
    connector.check()
    org.system.org.api_request_limit = org.system.org.api_requests  # TotalRequests used up
    with pytest.raises(ConnectorError, match="HTTP 403: REQUEST_LIMIT_EXCEEDED: TotalRequests"):
        list(connector.pull(None))
    assert org.system.org.api_requests == org.system.org.api_request_limit + 1  # asked once
