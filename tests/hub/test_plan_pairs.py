"""A run's reported pairs read back a chunk at a time (``MatchRunRepository.plan_pairs``): every pair
once, in the order the shards wrote them, on every pass, with the decisions of the last pass counted."""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import select

from hub.models import MatchPairRow, MatchPlanRun, core_table, utcnow
from hub.store.matchruns import PlanPairs
from schemas import RecordKey


def _pair(n: int, decision: str) -> dict[str, object]:
    return {
        "left_system": "erp",
        "left_id": str(n),
        "right_system": "webshop",
        "right_id": str(n),
        "score": 0.5,
        "decision": decision,
        "explanation": [],
    }


def _frame(pairs: list[dict[str, object]]) -> pl.DataFrame:
    """Pairs as ``MatchResult.pair_frames`` gives them: the explanation as JSON text."""
    return pl.DataFrame([{**p, "explanation": json.dumps(p["explanation"])} for p in pairs])


def test_plan_pairs_come_in_chunks_in_write_order_on_every_pass(store):
    rows = pl.DataFrame({"source_system": ["erp"], "source_id": ["0"], "shard": [0]})
    plan = MatchPlanRun(run_id="r", full=True, shards=2, model_id=1, started_at=utcnow(), stats={})
    store.runs.save_plan(plan, rows)
    first = [_pair(n, "match" if n % 3 else "review") for n in range(7)]
    second = [_pair(n, "match") for n in range(7, 12)]
    assert store.runs.save_shard("r", 1, {}, [_frame(second)]) == 5
    labels = {RecordKey("erp", "0"): "0:a"}
    assert store.runs.save_shard("r", 0, labels, [_frame(first[:4]), _frame(first[4:])]) == 7
    pairs = PlanPairs(store.sessions, "r", chunk=5)
    chunks = list(pairs)
    assert [len(c) for c in chunks] == [5, 5, 2]
    assert [p["left_id"] for c in chunks for p in c] == [str(n) for n in [*range(7, 12), *range(7)]]
    assert dict(pairs.decisions) == {"match": 9, "review": 3}
    assert list(pairs) == chunks  # a second pass reads the same
    assert dict(pairs.decisions) == {"match": 9, "review": 3}  # counted once per pass, not summed
    assert list(store.runs.plan_pairs("other run")) == []


def test_copied_pairs_are_the_pairs_read_in_the_same_order_with_their_decisions_counted(store):
    rows = pl.DataFrame({"source_system": ["erp"], "source_id": ["0"], "shard": [0]})
    plan = MatchPlanRun(run_id="r", full=True, shards=2, model_id=1, started_at=utcnow(), stats={})
    store.runs.save_plan(plan, rows)
    store.runs.save_shard("r", 1, {}, [_frame([_pair(n, "match") for n in range(7, 12)])])
    store.runs.save_shard("r", 0, {}, [_frame([_pair(n, "review" if n % 2 else "match") for n in range(7)])])
    store.runs.save_shard("other", 0, {}, [_frame([_pair(99, "match")])])  # another run's: not copied
    pairs = PlanPairs(store.sessions, "r", chunk=5)
    now = utcnow()
    table = core_table(MatchPairRow)
    with store.sessions.begin() as session:
        pairs.copy_to(session, table, run_id="r", updated_at=now)
    assert dict(pairs.decisions) == {"match": 9, "review": 3}
    with store.sessions() as session:
        copied = session.execute(select(table).order_by(table.c.id)).mappings().all()
    assert [{k: row[k] for k in _pair(0, "match")} for row in copied] == [p for c in pairs for p in c]
    assert {row["run_id"] for row in copied} == {"r"}
    assert {row["updated_at"].replace(tzinfo=None) for row in copied} == {now.replace(tzinfo=None)}
