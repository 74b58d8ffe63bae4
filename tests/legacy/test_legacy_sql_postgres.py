"""The same SQL connector against PostgreSQL: the suite's throw-away server (tests/conftest.py), or
the scratch database named by ``CRMHUB_TEST_PG_URL``. The test creates and drops its own ``CUST_MASTER``.
"""

from __future__ import annotations

from datetime import date

import pytest

from connectors.base import PushUpdate
from connectors.sql_table import SqlTableConnector
from sources.legacy import LegacyDbSystem
from sources.legacy.db import cust_master


@pytest.fixture
def pg_system(tmp_path, rows, postgres):
    server, url = postgres
    system = LegacyDbSystem(tmp_path, url=server.create_database("legacy_sql") if server else url)
    cust_master.drop(system.engine, checkfirst=True)
    cust_master.create(system.engine)
    system.seed(rows)
    yield system
    cust_master.drop(system.engine, checkfirst=True)
    system.close()


def test_pull_resume_and_push_on_postgres(pg_system, make_config, credentials_of, valid_ids):
    connection = pg_system.connection(None)
    assert connection["conn_type"] == "postgres" and connection["schema"]
    config = make_config("legacy_db", "sql", 3, table="CUST_MASTER")
    connector = SqlTableConnector(config, credentials_of(connection))
    try:
        connector.check()
        pages = list(connector.pull(None))
        assert [r.source_id for p in pages for r in p.records] == valid_ids
        assert [q.source_id for p in pages for q in p.quarantined] == ["K-1007"]
        resumed = list(connector.pull(pages[0].cursor))
        assert [r.source_id for p in pages[:1] + resumed for r in p.records] == valid_ids
        evil = "'); DROP TABLE \"CUST_MASTER\"; --"
        result = connector.push([PushUpdate("K-1003", "G-3", {"family_name": evil,
                                                              "date_of_birth": date(1990, 7, 16)}),
                                 PushUpdate("K-1002", "G-2", {"city": "x" * 500}),  # longer than VARCHAR(100)
                                 PushUpdate("K-1001", "G-1", {})])
        # the city longer than its column is left out and parked; the rest of K-1002 is written
        assert result.pushed == ["K-1003", "K-1002", "K-1001"] and result.failed == {}
        assert "CITY" in result.parked["K-1002"] and "takes 100" in result.parked["K-1002"]
        assert [pg_system.inspect("K-1003")[c] for c in ("LNAME", "BIRTHDT")] == [evil, "19900716"]
        assert [pg_system.inspect(i)["GOLDEN_ID"] for i in ("K-1001", "K-1002")] == ["G-1", "G-2"]
        assert pg_system.inspect("K-1002")["CITY"] != "x" * 500
        assert list(connector.pull(pages[-1].cursor)) == []
    finally:
        connector.close()
