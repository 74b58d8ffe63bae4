"""Upgrading a store in the middle of a sharded run keeps the clusters its shards reported: revision
0019 moves each planned record's cluster label from a column of ``match_plan`` to a row of
``match_plan_clusters``, and back on a downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from hub.db import alembic_config
from hub.store import HubStore
from schemas import RecordKey

BEFORE = "0018_planpaircolumns"
#: (system, id, shard, cluster): two records shard 0 put together, one of shard 1 (not reported yet),
#: one deleted record (shard -1, never labelled)
PLANNED = [
    ("erp", "7", 0, "0:1"),
    ("webshop", "12", 0, "0:1"),
    ("legacy_db", "3", 1, None),
    ("legacy_csv", "9", -1, None),
]


def _labels_in_plan(url: str) -> list[tuple[str, str, int, str | None]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT source_system, source_id, shard, cluster FROM match_plan ORDER BY 3, 2")
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


def test_a_runs_reported_clusters_survive_the_upgrade_and_the_downgrade(store_url):
    config = alembic_config(store_url)
    command.upgrade(config, BEFORE)
    engine = create_engine(store_url)
    try:
        with engine.begin() as connection:
            for system, source_id, shard, cluster in PLANNED:
                connection.execute(
                    text("INSERT INTO match_plan (run_id, source_system, source_id, shard, cluster) "
                         "VALUES ('run-1', :system, :id, :shard, :cluster)"),
                    {"system": system, "id": source_id, "shard": shard, "cluster": cluster},
                )
    finally:
        engine.dispose()

    command.upgrade(config, "head")
    store = HubStore(store_url)
    try:
        clusters, planned, missing = store.runs.plan_results("run-1")
        assert clusters == {"0:1": [RecordKey("erp", "7"), RecordKey("webshop", "12")]}
        assert planned == {RecordKey(system, source_id) for system, source_id, _, _ in PLANNED}
        assert missing == [1]
    finally:
        store.close()

    command.downgrade(config, BEFORE)
    assert _labels_in_plan(store_url) == sorted(PLANNED, key=lambda row: (row[2], row[1]))
