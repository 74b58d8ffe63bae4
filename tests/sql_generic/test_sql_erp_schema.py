"""The generic SQL connector on an ERP-shaped schema by configuration only (issue 18 items 4 and 5):
cursor as an expression, child tables pulled and pushed, the golden id as an identifier row.
Read back with plain SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from connectors.base import ConnectorError, PushUpdate
from connectors.sql_table import SqlTableConnector
from schemas import SourceConfig
from tests.sql_generic.conftest import ERP_MAPPING, erp_options

#: A cursor that also sees a change of a contact row only (the rule: the expression must cover every
#: table whose change should be pulled; each database spells "the later of" its own way).
COVERING = {
    "sqlite": "MAX(COALESCE(write_date, create_date), COALESCE((SELECT MAX(COALESCE(m.write_date, "
              "m.create_date)) FROM party_contact_mechanism m WHERE m.party = party_party.id), ''))",
    "postgresql": "GREATEST(COALESCE(write_date, create_date), (SELECT MAX(COALESCE(m.write_date, "
                  "m.create_date)) FROM party_contact_mechanism m WHERE m.party = party_party.id))",
}


def connector(erp, page_size: int = 2, push_fields: list[str] | None = None, **options) -> SqlTableConnector:
    config = SourceConfig(name="erp_sql", kind="sql", page_size=page_size, mapping=ERP_MAPPING,
                          push_fields=push_fields or [], options=erp_options(**options))
    return SqlTableConnector(config, erp.credentials)


def pulled(conn: SqlTableConnector, cursor: str | None = None) -> tuple[dict, str | None]:
    records, last = {}, cursor
    for page in conn.pull(cursor):
        assert page.quarantined == []
        records.update({r.source_id: r for r in page.records})
        last = page.cursor
    return records, last


def test_pull_reads_child_tables_and_rows_never_written(erp):
    conn = connector(erp)
    try:
        conn.check()
        records, _ = pulled(conn)
    finally:
        conn.close()
    assert sorted(records) == ["1", "2", "3", "4"]  # 2 and 3 have a NULL write_date
    juergen = records["1"]
    assert juergen.emails == ["juergen.mueller@example.de"] and juergen.phones == ["+49301234567"]
    assert juergen.country == "DE" and juergen.addresses == []  # the address row holds the country only
    ivan = records["2"]
    assert ivan.emails == ["ivan.petrov@example.bg"] and ivan.phones == ["+359881234567"]  # no fax
    assert (ivan.addresses[0].street, ivan.addresses[0].city) == ("ул. Витоша 1", "София")
    assert records["4"].emails == [] and records["3"].full_name == "陳大文"
    assert ivan.raw["children"]["emails"] == ["ivan.petrov@example.bg"]


def test_incremental_sees_new_rows_and_child_changes_only_when_the_expression_covers_them(erp):
    plain, covering = connector(erp), connector(erp, cursor_expression=COVERING[erp.engine.dialect.name])
    try:
        _, plain_cursor = pulled(plain)
        _, covering_cursor = pulled(covering)
        # a new party, as the ERP creates it: write_date stays NULL
        erp.execute("INSERT INTO party_party (id, name, create_date) VALUES (5, 'Hương Nguyễn', :t)",
                    t=datetime(2026, 2, 1))
        assert list(pulled(plain, plain_cursor)[0]) == ["5"]
        new, covering_cursor = pulled(covering, covering_cursor)
        assert list(new) == ["5"]
        _, plain_cursor = pulled(plain, plain_cursor)
        # a contact row changes, its party row does not
        erp.execute("UPDATE party_contact_mechanism SET value = 'ivan@example.bg', write_date = :t "
                    "WHERE party = 2 AND type = 'email'", t=datetime(2026, 2, 2))
        assert pulled(plain, plain_cursor)[0] == {}  # the documented limit of a party-only cursor
        changed, _ = pulled(covering, covering_cursor)
        assert list(changed) == ["2"] and changed["2"].emails == ["ivan@example.bg"]
    finally:
        plain.close()
        covering.close()


def test_cursor_expression_that_does_not_run_names_source_and_option(erp):
    conn = connector(erp, cursor_expression="COALESCE(write_dat, create_date)")
    try:
        with pytest.raises(ConnectorError, match=r"erp_sql.*cursor_expression.*write_dat"):
            conn.check()
        with pytest.raises(ConnectorError, match="cursor_expression"):
            next(conn.pull(None))
    finally:
        conn.close()


def contacts(erp, party: int) -> list[tuple]:
    return erp.rows("SELECT type, value FROM party_contact_mechanism WHERE party = :p ORDER BY id", p=party)


def test_push_adds_child_rows_by_kind_and_the_golden_id_as_an_identifier(erp):
    conn = connector(erp, push_fields=["emails", "phones", "street", "postal_code", "city"])
    updates = [
        PushUpdate("1", "G-1", {"emails": ["juergen.mueller@example.de", "jm@example.de"],
                                "phones": ["+49301234567", "+4915112345678"],
                                "street": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin"}),
        PushUpdate("2", "G-2", {"city": "Sofia", "phones": ["+35929876543"]}),
        PushUpdate("4", "G-4", {"city": "Stuttgart"}),
        PushUpdate("99", "G-99", {}),
    ]
    try:
        assert conn.push_problems() == []
        result = conn.push(updates)
        assert result.pushed == ["1", "2", "4"] and list(result.failed) == ["99"], result.failed
        # the landline was there in national format: not added twice; the mobile added as "mobile"
        assert contacts(erp, 1) == [("email", "juergen.mueller@example.de"), ("phone", "030 1234567"),
                                    ("email", "jm@example.de"), ("mobile", "+4915112345678")]
        added = "SELECT active FROM party_contact_mechanism WHERE value = 'jm@example.de'"
        assert erp.rows(added) == [(True,)]
        # a fax with the same number is no phone: the number is added as a landline
        assert ("phone", "+35929876543") in contacts(erp, 2)
        address = "SELECT street, postal_code, city, country_code FROM party_address WHERE party = :p"
        assert erp.rows(address, p=1) == [("Hauptstraße 5", "10115", "Berlin", "DE")]  # filled in
        assert erp.rows(address, p=4) == [(None, None, "Stuttgart", None)]  # none before: inserted
        assert erp.rows(address, p=2) == [("ул. Витоша 1", "1000", "Sofia", "BG")]  # the first row
        golden = "SELECT party, type, code FROM party_identifier ORDER BY party"
        assert erp.rows(golden) == [(1, "crm_golden_id", "G-1"), (2, "crm_golden_id", "G-2"),
                                    (4, "crm_golden_id", "G-4")]
        count = ("SELECT (SELECT COUNT(*) FROM party_contact_mechanism), "
                 "(SELECT COUNT(*) FROM party_address), (SELECT COUNT(*) FROM party_identifier)")
        counts = erp.rows(count)
        again = conn.push(updates[:3] + [PushUpdate("4", "G-4b", {"city": "Stuttgart"})])
        assert again.pushed == ["1", "2", "4", "4"]
        assert erp.rows(golden)[-1] == (4, "crm_golden_id", "G-4b")  # updated, not a second row
        assert erp.rows(count) == counts
        # what was pushed is pulled back as the party's own
        assert pulled(conn)[0]["1"].emails == ["juergen.mueller@example.de", "jm@example.de"]
    finally:
        conn.close()


def test_a_failing_child_row_fails_its_record_alone(erp):
    conn = connector(erp, push_fields=["emails"])
    try:
        updates = [PushUpdate(sid, f"G-{sid}", {"emails": [f"p{sid}@example.com"]}) for sid in "1234"]
        result = conn.push(updates)
        assert result.pushed == ["1", "2", "4"] and "no_identifier_for_party_3" in result.failed["3"].lower()
        # party 3's e-mail was rolled back with its identifier (one SAVEPOINT per record)
        assert contacts(erp, 3) == [] and ("email", "p4@example.com") in contacts(erp, 4)
    finally:
        conn.close()


def test_push_fields_the_target_cannot_take_are_named_before_writing(erp):
    conn = connector(erp, push_fields=["emails", "tax_id", "date_of_birth"],
                     children={"phones": {"table": "party_contact_mechanism", "parent_column": "party",
                                          "value_column": "valeu"}})
    try:
        problems = conn.push_problems()
        assert any("children.phones" in p and "valeu" in p for p in problems), problems
        assert any("'emails'" in p and "option children" in p for p in problems), problems
        assert any("'tax_id'" in p and "TAXNO" in p for p in problems), problems
        assert all(p.startswith("source 'erp_sql'") for p in problems) and len(problems) == 4
        with pytest.raises(ConnectorError, match="push field 'emails'"):
            conn.push([PushUpdate("1", "G-1", {"emails": ["x@example.com"]})])
        assert erp.rows("SELECT COUNT(*) FROM party_identifier") == [(0,)]  # nothing written
    finally:
        conn.close()
    no_place = connector(erp, golden_id_table=None)
    try:  # the golden id needs a place too (the "Unconsumed column names: GOLDEN_ID" on every push)
        assert no_place.push_problems() == [
            "source 'erp_sql': table 'party_party' has no golden-id column 'GOLDEN_ID' "
            "(add it, or set option golden_id_table)"]
    finally:
        no_place.close()


@pytest.mark.parametrize("erp", ["postgresql"], indirect=True)  # a deferred constraint trigger
def test_a_page_refused_at_commit_fails_its_records_and_keeps_the_pages_written(erp):
    erp.execute("CREATE FUNCTION refuse_party_4() RETURNS trigger AS $$ BEGIN IF NEW.party = 4 THEN "
                "RAISE EXCEPTION 'party 4 refused at commit'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
    erp.execute("CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON party_identifier "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_party_4()")
    conn = connector(erp, page_size=2)
    try:
        result = conn.push([PushUpdate(sid, f"G-{sid}", {}) for sid in "1234"])
    finally:
        conn.close()
    assert result.pushed == ["1", "2"] and sorted(result.failed) == ["3", "4"]
    assert "party 4 refused at commit" in result.failed["4"]
    assert erp.rows("SELECT party FROM party_identifier ORDER BY party") == [(1,), (2,)]
