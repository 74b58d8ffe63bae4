"""The Odoo connector against the local Odoo over real JSON-RPC on loopback: pull, resume, push, faults."""

from __future__ import annotations

import itertools
import time

import pytest
from loopback import pulled_ids

from connectors.base import ConnectorError, PushUpdate
from connectors.odoo import Position
from connectors.registry import connector_class
from sources.generator import generate_dataset

VALID_IDS = [str(i) for i in range(1, 11) if i != 9]



def test_registered_under_kind_odoo():
    from connectors.odoo import OdooConnector

    assert connector_class("odoo") is OdooConnector


def test_check_logs_in_and_a_wrong_password_is_a_clear_error(odoo):
    odoo.connector().check()
    with pytest.raises(ConnectorError, match=r"^odoo\.check: login refused for user 'api@crmhub\.example'"):
        odoo.connector(password="wrong").check()


def test_full_pull_maps_partners_onto_canonical_records(odoo):
    pages = list(odoo.connector().pull(None))
    records = {r.source_id: r for page in pages for r in page.records}
    assert sorted(records, key=int) == VALID_IDS
    assert records["1"].full_name == "Иван Петров" and records["1"].phones == ["+359881234567"]
    assert records["1"].addresses[0].city == "София" and records["1"].country == "BG"
    assert records["2"].full_name == "สมชาย ใจดี" and records["3"].country == "TW"
    contact = records["5"]  # a contact of the company partner 6, with two e-mails and phone + mobile
    assert (contact.record_type, contact.organization_name) == ("person", "Müller Bau GmbH")
    assert contact.emails == ["j.mueller@example.de", "juergen@work.example.de"]
    assert contact.phones == ["+49301234567", "+491711234567"]
    company = records["6"]
    assert (company.record_type, company.organization_name, company.tax_id) == (
        "organization", "Müller Bau GmbH", "DE123456789")
    assert company.full_name is None
    assert all(r.updated_at.tzinfo is not None and r.updated_at.utcoffset().total_seconds() == 0
               for r in records.values())
    assert records["5"].updated_at.isoformat() == "2024-01-01T10:00:04+00:00"
    assert records["1"].raw["country_id"][1] == "Bulgaria" and records["1"].raw["vat"] is None


def test_pages_follow_write_date_then_id_with_a_cursor_after_each(odoo):
    pages = list(odoo.connector(page_size=3).pull(None))
    assert pulled_ids(pages) == VALID_IDS
    assert [len(p.records) + len(p.quarantined) for p in pages] == [3, 3, 3, 1]
    assert [q.source_id for page in pages for q in page.quarantined] == ["9"]
    assert Position.decode(pages[1].cursor) == Position("2024-01-01 10:00:05", 6)
    assert Position.decode(pages[-1].cursor) == Position("2024-01-01 10:00:09", 10)


def test_resume_after_a_crash_loses_and_repeats_nothing(odoo):
    first_two = list(itertools.islice(odoo.connector(page_size=4).pull(None), 2))  # then a "crash"
    assert Position.decode(first_two[-1].cursor) == Position("2024-01-01 10:00:06", 8)  # inside a tie group
    resumed = list(odoo.connector(page_size=4).pull(first_two[-1].cursor))
    ids = pulled_ids(first_two) + pulled_ids(resumed)
    assert ids == VALID_IDS and [q.source_id for page in resumed for q in page.quarantined] == ["9"]


def test_incremental_run_pulls_only_what_changed_after_the_cursor(odoo):
    connector = odoo.connector(page_size=4)
    cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(cursor)) == []
    odoo.execute("res.partner", "write", [[3], {"city": "新北市"}])
    odoo.execute("res.partner", "write", [[1], {"city": "Пловдив"}])
    changed = list(connector.pull(cursor))
    records = {r.source_id: r for page in changed for r in page.records}
    assert sorted(records) == ["1", "3"]
    assert records["1"].addresses[0].city == "Пловдив" and records["3"].addresses[0].city == "新北市"
    assert list(connector.pull(changed[-1].cursor)) == []


def test_rows_edited_during_a_run_are_read_again_not_skipped(odoo):
    pages = odoo.connector(page_size=3).pull(None)
    ids = pulled_ids([next(pages)])
    odoo.execute("res.partner", "write", [[2], {"city": "Chiang Mai"}])  # delivered already
    odoo.execute("res.partner", "write", [[8], {"city": "Boston"}])  # not yet delivered
    ids += pulled_ids(pages)
    assert set(ids) == set(VALID_IDS) and ids.count("2") == 2 and ids.count("8") == 1


def test_a_tie_group_larger_than_a_page_is_paged_through(make_odoo, flat_row):
    rows = [flat_row(i, "2024-03-01T00:00:00Z", full_name=f"Kunde {i}", email=f"k{i}@example.de")
            for i in range(100, 125)]
    ids = pulled_ids(make_odoo(rows).connector(page_size=4).pull(None))
    assert ids == [str(i) for i in range(100, 125)]


def test_archived_partners_come_as_deleted_records(odoo):
    odoo.execute("res.partner", "write", [[4], {"active": False}])
    records = {r.source_id: r for page in odoo.connector().pull(None) for r in page.records}
    assert records["4"].deleted is True and records["3"].deleted is False


def test_503_and_429_are_retried(odoo):
    odoo.system.faults.fail_next(2, status=503)
    assert pulled_ids(odoo.connector().pull(None)) == VALID_IDS
    odoo.system.faults.throttle_next(1, retry_after=1)
    started = time.monotonic()
    assert pulled_ids(odoo.connector().pull(None)) == VALID_IDS
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_persistent_5xx_becomes_a_connector_error(odoo):
    odoo.system.faults.fail_next(50, status=502)
    with pytest.raises(ConnectorError, match=r"^odoo\.pull: common\.login -> HTTP 502"):
        list(odoo.connector().pull(None))


def test_a_malformed_partner_is_quarantined_and_the_rest_of_the_page_kept(odoo):
    connector = odoo.connector()
    connector.check()  # log in first: the fault applies to the next partner list
    odoo.system.faults.malform_next()
    (page,) = list(connector.pull(None))
    assert pulled_ids([page]) == VALID_IDS[1:]
    reasons = {q.source_id: q.reason for q in page.quarantined}
    assert set(reasons) == {"1", "9"} and "not-an-e-mail" in reasons["1"]
    assert page.quarantined[0].payload["name"] == "Иван Петров"  # the raw partner is kept for stewards


def test_truncated_json_names_system_operation_and_page(odoo):
    pages = odoo.connector(page_size=4).pull(None)
    next(pages)
    odoo.system.faults.truncate_next()
    with pytest.raises(ConnectorError, match=r"^odoo\.pull: page 2: malformed JSON from object\.execute_kw "
                                             r"res\.partner\.search_read") as error:
        next(pages)
    assert (error.value.system, error.value.operation) == ("odoo", "pull")


def test_server_side_errors_carry_odoos_exception_name(odoo):
    with pytest.raises(ConnectorError, match=r"builtins\.ValueError: Invalid field res\.partner\.colour"):
        list(odoo.connector(domain=[["colour", "=", "blue"]]).pull(None))
    with pytest.raises(ConnectorError, match="invalid cursor 'page=3'"):
        list(odoo.connector().pull("page=3"))


def test_push_writes_golden_id_and_changed_fields_idempotently(odoo):
    connector = odoo.connector()
    update = PushUpdate("4", "G-000004", {"full_name": "Nguyễn Văn An", "emails": ["an.nguyen@example.vn"],
                                          "phones": ["+84912345678"], "city": "Hà Nội",
                                          "postal_code": "100000",
                                          "country": "VN", "updated_at": "x", "record_type": "person"})
    assert connector.push([update]).pushed == ["4"]
    stored = odoo.system.inspect("4")
    assert stored["golden_id"] == "G-000004"
    assert (stored["zip"], stored["phone"], stored["mobile"]) == ("100000", "+84912345678", False)
    written = stored["write_date"]
    time.sleep(1.1)  # any further write would now get a later write_date
    assert connector.push([update]).pushed == ["4"]
    assert odoo.system.inspect("4")["write_date"] == written


def test_push_maps_names_and_country_back_to_odoo_fields(odoo):
    odoo.connector().push([
        PushUpdate("6", "G-6", {"organization_name": "Müller Bau GmbH & Co. KG", "country": "th"}),
        PushUpdate("7", "G-7", {"full_name": "Mohammad Rezaei", "organization_name": "Rezaei Trading"}),
    ])
    company, person = odoo.system.inspect("6"), odoo.system.inspect("7")
    assert company["name"] == "Müller Bau GmbH & Co. KG" and company["country_id"][1] == "Thailand"
    assert (person["name"], person["company_name"]) == ("Mohammad Rezaei", "Rezaei Trading")


def test_push_failures_are_reported_per_record(odoo):
    result = odoo.connector().push([
        PushUpdate("999", "G-1", {}),
        PushUpdate("ABC", "G-2", {}),
        PushUpdate("8", "G-3", {"country": "XX"}),
        PushUpdate("10", "G-4", {}),
    ])
    assert result.pushed == ["10"]
    assert "odoo.exceptions.MissingError: Record does not exist" in result.failed["999"]
    assert "integers" in result.failed["ABC"]
    assert "no res.country with code 'XX'" in result.failed["8"]
    assert odoo.system.inspect("10")["golden_id"] == "G-4"


def test_push_golden_id_only_when_fields_are_not_pushed(odoo):
    odoo.connector(push_fields=False).push([PushUpdate("2", "G-2", {"full_name": "Somchai Jaidee"})])
    stored = odoo.system.inspect("2")
    assert (stored["golden_id"], stored["name"]) == ("G-2", "สมชาย ใจดี")


def test_generated_customers_round_trip_with_malformed_rows_quarantined(make_odoo):
    rows = generate_dataset(n_records=60, seed=3, systems=("erp",), malformed_rate=0.1).rows
    rows = [{**row, "source_system": "odoo", "source_id": str(i)} for i, row in enumerate(rows, 1)]
    bad = {row["source_id"]: row["truth_id"] for row in rows if row["truth_id"].startswith("BAD-")}
    # Defects in columns res.partner does not have (birth date, given name) cannot reach Odoo at all.
    detectable = {sid for sid, truth in bad.items() if not truth.startswith(("BAD-impossible_date",
                                                                              "BAD-control_character"))}
    assert len(detectable) >= 3, "the generator should have produced malformed rows"
    pages = list(make_odoo(rows).connector(page_size=25).pull(None))
    pulled = pulled_ids(pages)
    quarantined = {q.source_id for page in pages for q in page.quarantined}
    assert len(pulled) == len(set(pulled)) and set(pulled) | quarantined == {r["source_id"] for r in rows}
    assert detectable <= quarantined <= set(bad)
    assert all(r.updated_at.utcoffset().total_seconds() == 0 for page in pages for r in page.records)


def test_push_reads_many_partners_in_one_call_and_a_bad_one_fails_alone(odoo):
    """Batch push-back (issue 15): one ``search_read`` for the page, a ``write`` per changed partner;
    a missing id and an unknown country go one by one and fail with Odoo's own error."""
    ids = [str(n) for n in range(1, 11) if n != 8]
    odoo.system.rpc.calls.clear()
    bad = [PushUpdate("999", "G-gone", {}), PushUpdate("8", "G-8", {"country": "XX"})]
    result = odoo.connector().push([*(PushUpdate(i, f"G-{i}", {}) for i in ids), *bad])
    assert result.pushed == ids and sorted(result.failed) == ["8", "999"]
    assert "MissingError" in result.failed["999"] and "no res.country" in result.failed["8"]
    assert odoo.system.rpc.calls["search_read"] >= 1 and odoo.system.rpc.calls["write"] == len(ids)
    assert odoo.system.rpc.calls["read"] == 2  # only the two that failed, one by one
    assert [odoo.system.inspect(i)["golden_id"] for i in ids] == [f"G-{i}" for i in ids]
