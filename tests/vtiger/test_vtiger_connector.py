"""VtigerConnector against the local vTiger over real HTTP: paging, resume, faults, re-login, push-back."""

from __future__ import annotations

import itertools
import time

import pytest
from loopback import pulled_ids
from vtiger_samples import ACCOUNT_IDS, CONTACT_IDS, VALID_IDS, flat

from connectors.base import ConnectorError, PushUpdate


def test_check_logs_in_with_the_md5_challenge(crm):
    crm.connector().check()
    with pytest.raises(ConnectorError, match=r"^vtiger\.authenticate: INVALID_USER_CREDENTIALS"):
        crm.connector(password="wrong-access-key").check()


def test_full_pull_reads_accounts_then_contacts_in_every_script(crm):
    pages = list(crm.connector().pull(None))
    records = {r.source_id: r for page in pages for r in page.records}
    assert pulled_ids(pages) == ACCOUNT_IDS + CONTACT_IDS
    quarantined = [q for page in pages for q in page.quarantined]
    assert [(q.source_id, "emails" in q.reason) for q in quarantined] == [("12x9", True)]
    ivan = records["12x1"]
    assert (ivan.record_type, ivan.given_name, ivan.family_name) == ("person", "Иван", "Петров")
    assert ivan.phones == ["+359881234567"] and str(ivan.date_of_birth) == "1980-05-17"
    assert ivan.addresses[0].city == "София"
    assert records["12x2"].given_name == "สมชาย" and records["12x3"].family_name == "陳"
    assert records["12x4"].given_name == "Văn An" and records["12x8"].family_name == "رضایی"
    assert records["12x5"].emails == ["j.mueller@example.de", "juergen@work.example.de"]
    assert records["12x5"].phones == ["+49301234567", "+491711234567"]
    bau = records["11x6"]
    assert (bau.record_type, bau.organization_name, bau.tax_id) == ("organization", "Müller Bau GmbH",
                                                                    "DE123456789")
    assert records["11x7"].organization_name == "台積電股份有限公司"
    assert records["12x5"].updated_at.isoformat() == "2024-01-01T08:00:04+00:00"


def test_queries_never_ask_for_more_than_vtigers_100_rows(make_crm):
    rows = [flat(i, f"2024-02-01T00:{i // 60:02d}:{i % 60:02d}Z", given_name=f"P{i}", family_name="Many",
                 country="DE") for i in range(1, 131)]
    crm = make_crm(rows)
    pages = list(crm.connector(page_size=500).pull(None))
    assert [len(p.records) for p in pages] == [100, 30]
    assert sorted(pulled_ids(pages), key=lambda i: int(i[3:])) == [f"12x{i}" for i in range(1, 131)]


def test_resume_after_a_crash_loses_and_repeats_nothing(crm):
    first_two = list(itertools.islice(crm.connector(page_size=3).pull(None), 2))  # then the worker "crashes"
    resumed = list(crm.connector(page_size=3).pull(first_two[-1].cursor))
    ids = pulled_ids(first_two) + pulled_ids(resumed)
    assert sorted(ids) == sorted(VALID_IDS) and len(ids) == len(set(ids))


def test_incremental_run_pulls_only_what_changed_after_the_cursor(crm):
    connector = crm.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    crm.touch("12x3", mailingcity="新北市")
    crm.touch("11x6", bill_city="München")
    changed = list(connector.pull(cursor))
    records = {r.source_id: r for page in changed for r in page.records}
    assert pulled_ids(changed) == ["11x6", "12x3"]
    assert records["12x3"].addresses[0].city == "新北市" and records["11x6"].addresses[0].city == "München"
    assert list(connector.pull(changed[-1].cursor)) == []


def test_a_second_shared_by_more_records_than_a_page_is_read_exactly_once(make_crm):
    rows = [flat(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", family_name="Tie",
                 email=f"k{i}@example.de", country="DE") for i in range(100, 125)]
    crm = make_crm(rows)
    pages = crm.connector(page_size=4).pull(None)
    ids = pulled_ids(itertools.islice(pages, 3))
    crm.touch("12x100", mailingcity="Köln")  # delivered, then edited: comes again later
    crm.touch("12x120", mailingcity="Köln")  # not delivered yet: must come exactly once
    ids += pulled_ids(pages)
    assert set(ids) == {f"12x{i}" for i in range(100, 125)}
    assert ids.count("12x120") == 1 and ids.count("12x100") == 2 and len(ids) == 26


def test_resume_inside_a_tie_group_orders_ids_numerically(make_crm):
    rows = [flat(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", email=f"k{i}@example.de")
            for i in range(5, 16)]  # 12x9 < 12x10 only when compared as crmids
    crm = make_crm(rows)
    first, second = itertools.islice(crm.connector(page_size=4).pull(None), 2)
    rest = list(crm.connector(page_size=4).pull(second.cursor))
    assert pulled_ids([first, second, *rest]) == [f"12x{i}" for i in range(5, 16)]


def test_503_and_429_are_retried(crm):
    crm.system.faults.fail_next(2, status=503)
    assert sorted(pulled_ids(crm.connector().pull(None))) == sorted(VALID_IDS)
    crm.system.faults.throttle_next(1, retry_after=1)
    started = time.monotonic()
    assert sorted(pulled_ids(crm.connector().pull(None))) == sorted(VALID_IDS)
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_persistent_5xx_becomes_a_connector_error_naming_the_query(crm):
    connector = crm.connector()
    connector.check()
    crm.system.faults.fail_next(50, status=502)
    with pytest.raises(ConnectorError, match=r"^vtiger\.pull: Accounts query 1: query -> HTTP 502"):
        list(connector.pull(None))


def test_an_expired_session_means_one_new_login(crm):
    connector = crm.connector(page_size=3)
    pages = connector.pull(None)
    next(pages)
    logins = crm.system.sessions.logins
    crm.system.expire_sessions()
    assert len(pulled_ids(pages)) == len(VALID_IDS) - 2
    assert crm.system.sessions.logins == logins + 1


def test_a_session_refused_twice_is_a_clear_error(make_crm):
    crm = make_crm(session_ttl=-1)  # every session is already expired when it starts
    with pytest.raises(ConnectorError, match=r"^vtiger\.check: INVALID_SESSIONID: Session Identifier"):
        crm.connector().check()
    assert crm.system.sessions.logins == 2  # the first login and exactly one more


def test_a_malformed_record_is_quarantined_and_the_rest_of_the_page_kept(crm):
    crm.system.faults.malform_next()
    first = next(crm.connector().pull(None))
    assert pulled_ids([first]) == ["11x7"]
    assert [(q.source_id, "not-an-e-mail" in q.reason) for q in first.quarantined] == [("11x6", True)]


def test_truncated_json_names_system_operation_and_query(crm):
    crm.system.faults.truncate_next()
    with pytest.raises(ConnectorError, match=r"^vtiger\.pull: Accounts query 1: malformed JSON from query"):
        list(crm.connector().pull(None))


def test_a_zero_date_is_quarantined_and_does_not_move_the_cursor(make_crm):
    crm = make_crm([flat(1, "2024-02-30T00:00:00Z", given_name="Bad", family_name="Date", country="DE"),
                    flat(2, "2024-01-01T00:00:00Z", given_name="Good", family_name="Date", country="DE")])
    (page,) = list(crm.connector().pull(None))
    assert pulled_ids([page]) == ["12x2"]
    assert page.quarantined[0].source_id == "12x1" and "updated_at" in page.quarantined[0].reason
    assert '"since":"2024-01-01 00:00:00"' in page.cursor


def test_a_cursor_cannot_smuggle_text_into_a_query(crm):
    forged = '{"v":1,"modules":{"Accounts":{"since":"x\' OR \'1\'=\'1"}}}'
    with pytest.raises(ConnectorError, match=r"^vtiger\.pull: refusing to put"):
        list(crm.connector().pull(forged))
    with pytest.raises(ConnectorError, match=r"^vtiger\.pull: invalid cursor 'page=3'"):
        list(crm.connector().pull("page=3"))


def test_push_writes_golden_id_and_changed_fields_idempotently(crm):
    connector = crm.connector()
    update = PushUpdate("12x4", "G-000004", {"given_name": "Văn An", "emails": ["an.nguyen@example.vn"],
                                             "phones": ["+84912345678"], "postal_code": "100000"})
    assert connector.push([update]).pushed == ["12x4"]
    stored = crm.system.inspect("12x4")
    assert stored["golden_id"] == "G-000004" and stored["module"] == "Contacts"
    assert stored["mailingzip"] == "100000" and stored["phone"] == "+84912345678"
    assert stored["mobile"] == "" and stored["secondaryemail"] == ""  # only primary fields are written
    assert stored["mailingcity"] == "Hà Nội" and stored["firstname"] == "Văn An"  # update kept the rest
    time.sleep(1.1)  # a second write would now stamp a later modifiedtime
    assert connector.push([update]).pushed == ["12x4"]
    assert crm.system.inspect("12x4")["modifiedtime"] == stored["modifiedtime"]
    assert crm.system.inspect("4")["golden_id"] == "G-000004"


def test_push_failures_are_reported_per_record(crm):
    result = crm.connector().push([PushUpdate("12x999", "G-1", {}), PushUpdate("4711", "G-2", {}),
                                   PushUpdate("11x7", "G-3", {"organization_name": "TSMC"}),
                                   PushUpdate("12x10", "G-4", {})])
    assert result.pushed == ["11x7", "12x10"]
    assert "RECORD_NOT_FOUND" in result.failed["12x999"]
    assert "look like 12x34" in result.failed["4711"]
    assert crm.system.inspect("11x7")["accountname"] == "TSMC"  # differing value overwritten on request
    assert crm.system.inspect("12x10")["golden_id"] == "G-4"


def test_pushes_run_a_few_at_a_time_with_one_login_and_keep_their_order(crm):
    """vTiger has no batch update, so records are pushed on a small thread pool (issue 15): the
    threads share one session (the first record is refused before any call, so they race to log in),
    a failing record fails alone and the results come back in the order given."""
    connector = crm.connector()
    assert connector.push_workers > 1
    logins = crm.system.sessions.logins
    ids = [i for i in VALID_IDS if i.startswith(("11x", "12x"))]
    updates = [PushUpdate("4711", "G-bad", {}), *(PushUpdate(i, f"G-{i}", {}) for i in ids),
               PushUpdate("12x999", "G-gone", {})]
    result = connector.push(updates)
    assert result.pushed == ids and sorted(result.failed) == ["12x999", "4711"]
    assert crm.system.sessions.logins == logins + 1
    assert [crm.system.inspect(i)["golden_id"] for i in ids] == [f"G-{i}" for i in ids]
