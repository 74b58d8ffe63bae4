"""The golden-record write gives exactly the rows it gave before it became set-based (issue 15 item 3).

A fixed history on a fixed generated population — a full run, an incremental run with new, changed and
deleted records, steward decisions (not the same, field override, unmerge, undo) and a run after them —
writes golden records, cross-references, pairs, conflicts, review items, the audit trail and the
outbox. Every table the write touches is compared, row by row and in id order (outbox sequence numbers
and audit ids included), with a digest of what the per-row ORM write produced on the same history
(``golden_write_snapshot.json``, made before the change). Only wall-clock columns are left out.
One digest per backend: PostgreSQL's sequences never hand out an id twice where SQLite reuses the
rowids of deleted rows. (A run's shard results are read in key order on both: PostgreSQL's heap order
once changed the order of a run's events when another table's index was built later.)

Regenerate the snapshot (only for an intended change of what is written) with
``PYTHONPATH=$PWD:$PWD/tests .venv/bin/python tests/hub/test_golden_write_snapshot.py PG_URL``
(``PG_URL``: an empty database on a PostgreSQL server, e.g. ``crmhub.local_postgres``).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hub_staging import hub_config, stage
from sqlalchemy import MetaData

from hub import consolidate, golden_slices
from hub.pipeline import SyncPipeline
from hub.review_clusters import ReviewClusters
from hub.stewardship import Stewardship
from hub.store import HubStore, golden_write
from schemas import CustomerRecord, RecordKey
from schemas.steward import parse_decision
from sources.generator import generate_dataset, to_customer_record

SNAPSHOT = Path(__file__).with_name("golden_write_snapshot.json")
#: The tables a golden-record write (a run's or a decision's) fills, and the order that makes their
#: rows comparable (ids where the order of insertion is part of the result).
TABLES = {
    "golden_records": ("golden_id",),
    "cross_references": ("source_system", "source_id"),
    "match_pairs": ("left_system", "left_id", "right_system", "right_id"),
    "field_conflicts": ("golden_id", "field"),
    "review_items": ("a", "b"),
    "review_item_sources": ("a", "b", "source_system"),
    "audit_log": ("id",),
    "outbox": ("seq",),
    "steward_decisions": ("id",),
}
#: Wall-clock columns: when a row was written, never what.
CLOCK = {"at", "created_at", "updated_at", "linked_at", "decided_at", "undone_at"}
#: Columns that say only which write put a row there: an incremental run keeps the golden records it
#: would rebuild as stored (``hub.rematch.unchanged_clusters``), with their conflict rows and the pairs
#: between their records, ids and the run that wrote them included.
WRITER = {"field_conflicts": {"id"}, "match_pairs": {"id", "run_id"}}


def _records() -> list[CustomerRecord]:
    rows = generate_dataset(n_records=260, seed=5, malformed_rate=0.0).rows
    return [to_customer_record(r) for r in rows]


def _merged(store: HubStore) -> list[tuple[str, list[RecordKey]]]:
    groups: dict[str, list[RecordKey]] = defaultdict(list)
    for key, golden_id in sorted(store.golden.membership().items()):
        groups[golden_id].append(key)
    return [(g, members) for g, members in sorted(groups.items()) if len(members) >= 2]


def history(store_url: str) -> HubStore:
    """The fixed history: every kind of change a golden-record write handles."""
    records = _records()
    config = hub_config(store_url)
    config.survivorship.conflict_fields = ["tax_id", "date_of_birth", "family_name", "given_name"]
    hub = SyncPipeline(config, HubStore(store_url, upgrade=True))
    rng = random.Random(3)
    stage(hub.store, records[:200])
    hub.match("run-1")  # full: creates
    ReviewClusters(hub.store).page()  # the review queue is built: later writes refresh its items
    changed = [
        r.model_copy(update={"emails": [*r.emails, f"new.{i}@example.com"], "family_name": "Neu"})
        for i, r in enumerate(rng.sample(records[:200], 12))
    ]
    deleted = [r.model_copy(update={"deleted": True}) for r in rng.sample(records[:200], 6)]
    stage(hub.store, records[200:] + changed + deleted)
    hub.match("run-2")  # incremental: creates, updates, merges, splits, relinks, deletes
    stewardship = Stewardship(hub.store, hub.config)
    merged = _merged(hub.store)
    golden_id, (left, right, *_) = merged[0]
    stewardship.decide(parse_decision(dict(kind="not_same", left=left, right=right, user="anna")))
    override_id, _members = merged[1]
    stewardship.decide(
        parse_decision(
            dict(kind="field_override", golden_id=override_id, field="given_name", value="Zed", user="bob")
        )
    )
    pinned = hub.store.golden.get_golden(merged[3][0])
    assert pinned is not None and pinned.family_name  # the value survivorship chose, pinned: lineage only
    stewardship.decide(
        parse_decision(
            dict(
                kind="field_override",
                golden_id=pinned.golden_id,
                field="family_name",
                value=pinned.family_name,
                user="bob",
            )
        )
    )
    _unmerged_id, (stay, *_rest, leave) = merged[2]
    stewardship.decide(parse_decision(dict(kind="unmerge", left=leave, user="anna")))
    stewardship.undo_last("anna")
    hub.match("run-3")  # after the decisions
    stage(hub.store, [r.model_copy(update={"phones": []}) for r in rng.sample(records, 5)])
    hub.match("run-4")
    return hub.store


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if k not in CLOCK}  # a decision's audit
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value if value is None or isinstance(value, int | str | bool) else str(value)


def table_digests(store: HubStore) -> dict[str, dict[str, Any]]:
    """Per table: its row count and a digest of its rows (clock columns left out), in key order."""
    metadata = MetaData()
    metadata.reflect(store.engine, only=list(TABLES))
    out = {}
    with store.engine.connect() as connection:
        for name, order in TABLES.items():
            table = metadata.tables[name]
            columns = [c for c in table.columns if c.name not in CLOCK | WRITER.get(name, set())]
            rows = connection.execute(table.select().with_only_columns(*columns).order_by(*order)).all()
            text = json.dumps(
                [dict(zip([c.name for c in columns], _canonical(list(r)), strict=True)) for r in rows],
                sort_keys=True,
                ensure_ascii=False,
            )
            out[name] = {"rows": len(rows), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return out


@pytest.mark.parametrize("slices", ["whole", "sliced", "workers"])
def test_golden_write_gives_the_same_rows_as_the_per_row_write(store_url, slices, monkeypatch):
    if slices != "whole":  # golden records built, and rows written, a few at a time: the same rows
        monkeypatch.setattr(consolidate, "BUILD_SLICE", 7)
        monkeypatch.setattr(golden_write, "WRITE_SLICE", 5)
    if slices == "workers":  # every build's slices in two worker processes (runs and decisions alike)
        monkeypatch.setattr(golden_slices, "WORKERS_FROM", 1)
        monkeypatch.setenv("CRMHUB_MATCH_PROCESSES", "2")
    store = history(store_url)
    try:
        expected = json.loads(SNAPSHOT.read_text())[store.engine.dialect.name]
        assert table_digests(store) == expected
    finally:
        store.close()


def _snapshot(url: str) -> dict[str, Any]:
    made = history(url)
    try:
        return table_digests(made)
    finally:
        made.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        digests = {"sqlite": _snapshot(f"sqlite:///{tmp}/hub.db"), "postgresql": _snapshot(sys.argv[1])}
    SNAPSHOT.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
