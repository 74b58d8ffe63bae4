"""Upgrading a store in the middle of a sharded run keeps the pairs its shards reported: revision
0018 moves each plan pair from one JSON document to columns of its own, and back on a downgrade."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import create_engine, text

from hub.db import alembic_config
from hub.store import HubStore
from hub.store.matchruns import PlanPairs

BEFORE = "0017_featurecache"
PAIRS = [
    {"left_system": "erp", "left_id": "7", "right_system": "webshop", "right_id": "12", "score": 0.93,
     "decision": "match", "explanation": [{"field": "name", "level": "exact", "weight": 4.1,
                                          "left": "Nguyễn Văn An", "right": "NGUYEN VAN AN"}]},
    {"left_system": "erp", "left_id": "8", "right_system": "legacy_db", "right_id": "3", "score": 0.51,
     "decision": "review", "explanation": []},
]


def _plan_pairs_as_documents(url: str) -> list[dict[str, object]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT pair FROM match_plan_pairs ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    return [json.loads(row) if isinstance(row, str) else row for row in rows]


def test_a_runs_reported_pairs_survive_the_upgrade_and_the_downgrade(store_url):
    config = alembic_config(store_url)
    command.upgrade(config, BEFORE)
    engine = create_engine(store_url)
    try:
        with engine.begin() as connection:
            for pair in PAIRS:
                connection.execute(
                    text("INSERT INTO match_plan_pairs (run_id, shard, pair) VALUES ('run-1', 0, :pair)"),
                    {"pair": json.dumps(pair, ensure_ascii=False)},
                )
    finally:
        engine.dispose()

    command.upgrade(config, "head")
    store = HubStore(store_url)
    try:
        pairs = PlanPairs(store.sessions, "run-1")
        assert [pair for chunk in pairs for pair in chunk] == PAIRS
        assert dict(pairs.decisions) == {"match": 1, "review": 1}
    finally:
        store.close()

    command.downgrade(config, BEFORE)
    assert _plan_pairs_as_documents(store_url) == PAIRS
