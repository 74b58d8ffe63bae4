"""The local legacy database itself: legacy shape, idempotent seeding, published connection."""

from __future__ import annotations

import re

from sqlalchemy import inspect as sa_inspect

from sources.legacy import LegacyDbSystem


def test_seed_stores_legacy_shape(tmp_path, rows):
    system = LegacyDbSystem(tmp_path)
    assert system.seed(rows) == len(rows)
    person, firm = system.inspect("K-1002"), system.inspect("K-1006")
    assert [person[c] for c in ("CUST_TYPE", "FNAME", "LNAME", "CITY")] == ["P", "Иван", "Петров", "София"]
    assert firm["CUST_TYPE"] == "F" and firm["COMPANY"] == "Muster GmbH" and firm["GOLDEN_ID"] is None
    birth_dates = [r["BIRTHDT"] for r in system.rows() if r["BIRTHDT"]]
    assert any(re.fullmatch(r"\d{8}", d) for d in birth_dates), birth_dates
    assert any(re.fullmatch(r"\d\d\.\d\d\.\d{4}", d) for d in birth_dates), birth_dates
    assert system.inspect("K-1007")["EMAIL"] == "not-an-e-mail"  # as typed; the connector quarantines it
    assert system.inspect("nope") is None
    assert system.app() is None


def test_seed_is_idempotent_and_keeps_golden_ids(tmp_path, rows):
    system = LegacyDbSystem(tmp_path)
    system.seed(rows)
    system.edit("K-1001", GOLDEN_ID="G-1", LAST_CHG=system.inspect("K-1001")["LAST_CHG"])
    before = system.rows()
    assert system.seed(rows) == len(rows)
    assert system.rows() == before
    reopened = LegacyDbSystem(tmp_path)  # survives a restart
    assert reopened.inspect("K-1001")["GOLDEN_ID"] == "G-1"


def test_sql_injection_text_is_data(tmp_path, rows):
    system = LegacyDbSystem(tmp_path)
    system.seed(rows)
    assert system.inspect("K-1008")["FNAME"] == "Robert'); DROP TABLE CUST_MASTER;--"
    assert "CUST_MASTER" in sa_inspect(system.engine).get_table_names()


def test_connection_points_at_the_sqlite_file(tmp_path):
    conn = LegacyDbSystem(tmp_path).connection(None)
    assert conn["conn_type"] == "sqlite" and conn["host"] == str(tmp_path / "legacy.db")
