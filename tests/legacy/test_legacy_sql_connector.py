"""SqlTableConnector against the local legacy database (SQLite file), over its published connection."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, text

from connectors.base import ConnectorError, PushUpdate
from connectors.sql_table import SqlTableConnector
from sources.legacy import LegacyDbSystem


@pytest.fixture
def system(tmp_path, rows):
    system = LegacyDbSystem(tmp_path / "legacy_db")
    system.seed(rows)
    yield system
    system.close()


@pytest.fixture
def connect(system, make_config, credentials_of):
    made = []

    def build(page_size: int = 3, **options):
        options.setdefault("table", "CUST_MASTER")
        connector = SqlTableConnector(make_config("legacy_db", "sql", page_size, **options),
                                      credentials_of(system.connection(None)))
        made.append(connector)
        return connector
    yield build
    for connector in made:
        connector.close()


def ids(pages):
    return [r.source_id for page in pages for r in page.records]


def test_full_pull_decodes_legacy_values_and_quarantines_bad_rows(connect, valid_ids):
    connector = connect()
    connector.check()
    pages = list(connector.pull(None))
    assert [len(p.records) + len(p.quarantined) for p in pages] == [3, 3, 2]
    assert ids(pages) == valid_ids
    records = {r.source_id: r for p in pages for r in p.records}
    juergen, thai, firm = records["K-1001"], records["K-1003"], records["K-1006"]
    assert juergen.date_of_birth == date(1980, 2, 29) and juergen.phones == ["+49301234567", "+491712345678"]
    assert juergen.addresses[0].city == "Berlin" and juergen.updated_at.tzinfo is not None
    assert (thai.given_name, thai.family_name, thai.date_of_birth) == ("สมชาย", "ใจดี", date(1990, 7, 15))
    assert records["K-1004"].full_name == "陳大文" and records["K-1005"].family_name == "Nguyễn Thị"
    assert firm.record_type == "organization" and firm.organization_name == "Muster GmbH"
    assert firm.raw["CUST_TYPE"] == "F" and juergen.raw["TEL"] == "030 1234567;0171 2345678"  # as stored
    assert records["K-1008"].given_name == "Robert'); DROP TABLE CUST_MASTER;--"
    [bad] = [q for p in pages for q in p.quarantined]
    assert bad.source_id == "K-1007" and "not-an-e-mail" in bad.reason
    assert bad.payload["EMAIL"] == "not-an-e-mail"


def test_undecodable_legacy_values_are_quarantined_with_the_column(system, connect):
    system.edit("K-1001", BIRTHDT="31.02.1980")
    system.edit("K-1002", CUST_TYPE="X")
    pages = list(connect(page_size=50).pull(None))
    reasons = {q.source_id: q.reason for q in pages[0].quarantined}
    assert "BIRTHDT" in reasons["K-1001"] and "'31.02.1980'" in reasons["K-1001"]
    assert "CUST_TYPE: unknown code 'X'" in reasons["K-1002"]
    assert {"K-1003", "K-1004"} <= set(ids(pages))


def test_resume_after_crash_has_no_loss_and_no_duplicates(connect, valid_ids):
    full = ids(connect().pull(None))
    crashed = list(connect().pull(None))[:2]
    resumed = list(connect().pull(crashed[1].cursor))
    assert ids(crashed) + ids(resumed) == full == valid_ids


def test_incremental_pull_returns_changed_rows_only(system, connect):
    connector = connect()
    last_cursor = list(connector.pull(None))[-1].cursor
    assert list(connector.pull(last_cursor)) == []
    system.edit("K-1002", CITY="Пловдив")
    pages = list(connector.pull(last_cursor))
    assert ids(pages) == ["K-1002"] and pages[0].records[0].addresses[0].city == "Пловдив"


def test_rows_without_change_timestamp_are_still_pulled(system, connect, valid_ids):
    with system.engine.begin() as conn:
        conn.execute(text("""UPDATE "CUST_MASTER" SET "LAST_CHG" = NULL
                             WHERE "CUSTNO" IN ('K-1005', 'K-1002')"""))
    pages = list(connect(page_size=1).pull(None))
    assert ids(pages)[:2] == ["K-1002", "K-1005"]  # NULL stamps first, by id
    assert sorted(ids(pages)) == valid_ids
    resumed = list(connect(page_size=1).pull(pages[0].cursor))  # crash inside the NULL phase
    assert ids(pages[:1]) + ids(resumed) == ids(pages)


def test_query_option_with_bound_cursor(connect):
    query = "SELECT * FROM CUST_MASTER WHERE CTRY IN ('DE', 'BG')"
    pages = list(connect(page_size=1, query=query).pull(None))
    assert ids(pages) == ["K-1001", "K-1002", "K-1006"]
    assert ids(connect(page_size=1, query=query).pull(pages[0].cursor)) == ["K-1002", "K-1006"]


def test_push_writes_golden_id_and_fields_idempotently(system, connect):
    connector = connect()
    last_cursor = list(connector.pull(None))[-1].cursor
    stamp_before = system.inspect("K-1001")["LAST_CHG"]
    evil = "x'; DELETE FROM CUST_MASTER; --"
    updates = [
        PushUpdate("K-1001", "G-1", {"emails": ["j.mueller@example.de", "x@example.de"],
                                     "date_of_birth": date(1980, 2, 29), "record_type": "person",
                                     "updated_at": "2030-01-01T00:00:00"}),
        PushUpdate("K-1008", "G-8", {"family_name": evil}),
        PushUpdate("K-404", "G-404", {}),
    ]
    first = connector.push(updates)
    assert first.pushed == ["K-1001", "K-1008"] and "no row with CUSTNO = 'K-404'" in first.failed["K-404"]
    state = system.rows()
    second = connector.push(updates)
    assert second.pushed == first.pushed and system.rows() == state
    juergen = system.inspect("K-1001")
    assert (juergen["GOLDEN_ID"], juergen["EMAIL"], juergen["BIRTHDT"], juergen["CUST_TYPE"]) == \
        ("G-1", "j.mueller@example.de", "19800229", "P")
    assert juergen["LAST_CHG"] == stamp_before  # the change stamp stays the system's own: no ping-pong
    assert system.inspect("K-1008")["LNAME"] == evil and len(system.rows()) == 8
    assert list(connector.pull(last_cursor)) == []


def test_one_failing_row_does_not_undo_its_page(system, connect):
    result = connect().push([PushUpdate("K-1001", "G-1", {}),
                             PushUpdate("K-1002", "G-2", {"given_name": {"not": "bindable"}}),
                             PushUpdate("K-1003", "G-3", {})])
    assert result.pushed == ["K-1001", "K-1003"] and "K-1002" in result.failed
    assert [system.inspect(i)["GOLDEN_ID"] for i in ("K-1001", "K-1002", "K-1003")] == ["G-1", None, "G-3"]


def test_check_names_what_is_wrong(tmp_path, system, connect, make_config):
    with pytest.raises(ConnectorError, match="no table 'NOPE'"):
        connect(table="NOPE").check()
    with pytest.raises(ConnectorError, match="golden-id column 'GOLD'"):
        connect(golden_id_column="GOLD").check()
    missing = SqlTableConnector(make_config("legacy_db", "sql", table="CUST_MASTER"),
                                credentials_of_missing(tmp_path))
    with pytest.raises(ConnectorError, match="does not exist"):
        missing.check()
    assert not (tmp_path / "missing.db").exists()


def credentials_of_missing(tmp_path):
    from connectors.credentials import Credentials
    return Credentials(conn_type="sqlite", host=str(tmp_path / "missing.db"))


def test_push_sends_one_executemany_per_set_of_columns_and_a_bad_row_fails_alone(system, connect):
    """Batch push-back (issue 15): the rows of a page that write the same columns go in one executemany;
    a group with an id that is not there is rolled back and written row by row, so only that id fails."""
    connector = connect(page_size=100)
    statements: list[tuple[str, bool]] = []
    event.listen(connector.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: statements.append((sql, many)))
    ids = [f"K-100{n}" for n in range(1, 9)]
    result = connector.push([PushUpdate(sid, f"G-{sid}", {}) for sid in ids])
    assert (result.pushed, result.failed) == (ids, {})
    updates = [many for sql, many in statements if sql.startswith("UPDATE")]
    assert updates == [True]  # eight rows, one statement
    assert [system.inspect(sid)["GOLDEN_ID"] for sid in ids] == [f"G-{sid}" for sid in ids]

    statements.clear()
    mixed = connector.push([PushUpdate("K-1001", "H-1", {}), PushUpdate("K-404", "H-404", {}),
                            PushUpdate("K-1002", "H-2", {})])
    assert mixed.pushed == ["K-1001", "K-1002"] and list(mixed.failed) == ["K-404"]
    assert [system.inspect(i)["GOLDEN_ID"] for i in ("K-1001", "K-1002")] == ["H-1", "H-2"]
