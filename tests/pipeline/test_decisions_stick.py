"""Steward decisions stick (issue 16): after each kind of decision, a real sync against the four local
systems over loopback gives exactly the golden records the steward saw — the same golden ids, nothing
in the change feed (no split followed by a merge), no second push — on both store backends."""

from __future__ import annotations

from collections import defaultdict

from hub.pipeline import SyncPipeline
from hub.queries import HubQueries
from hub.stewardship import Stewardship
from hub.store import HubStore
from schemas import RecordKey
from schemas.steward import parse_decision


def _groups(store: HubStore) -> dict[str, list[RecordKey]]:
    groups: dict[str, list[RecordKey]] = defaultdict(list)
    for key, golden_id in sorted(store.golden.membership().items()):
        groups[golden_id].append(key)
    return groups


def _decide_then_sync(pipeline: SyncPipeline, run_id: str, **decision) -> dict[RecordKey, str]:
    """Take the decision, then sync: the sync must change no golden record. Returns what the steward saw."""
    store = pipeline.store
    Stewardship(store, pipeline.config).decide(parse_decision({**decision, "user": "steward"}))
    seen, head = store.golden.membership(), store.outbox.outbox_head()
    records = {g: store.golden.get_golden(g) for g in set(seen.values())}
    summary = pipeline.run(run_id=run_id)
    assert summary.failed == {}, run_id
    assert store.outbox.changes_since(head) == [], f"{run_id}: the sync changed what the steward saw"
    assert store.golden.membership() == seen, run_id
    assert {g: store.golden.get_golden(g) for g in records} == records, run_id
    return seen


def test_every_kind_of_decision_survives_the_next_sync(hub_config, local_sources):
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))
    store = pipeline.store
    assert pipeline.run(run_id="run-1").failed == {}
    queue = HubQueries(store).review_queue(limit=500).items

    # "Not the same" on two records already in different golden records: nothing moves (the issue:
    # erp ~ webshop split the web-shop record out of its own golden record, and the sync merged it back).
    apart = next(i for i in queue if i.left_golden != i.right_golden)
    before, head = store.golden.membership(), store.outbox.outbox_head()
    seen = _decide_then_sync(
        pipeline, "run-not-same-apart", kind="not_same", left=apart.left, right=apart.right
    )
    assert seen == before
    assert all(e["change"] not in ("split", "merge") for e in store.outbox.changes_since(head))

    # "Not the same" inside one golden record separates exactly those two; nobody else is split out.
    golden_id, members = max(_groups(store).items(), key=lambda g: (len(g[1]), g[0]))
    assert len(members) >= 3, "the seeded systems hold customers in three or more records"
    left, right = members[0], members[-1]
    seen = _decide_then_sync(pipeline, "run-not-same-inside", kind="not_same", left=left, right=right)
    assert seen[left] != seen[right]
    assert {seen[k] for k in members} == {seen[left], seen[right]}

    # "Same" on two records of different golden records.
    together = next(
        i
        for i in HubQueries(store).review_queue(limit=500).items
        if i.left_golden != i.right_golden and {i.left, i.right}.isdisjoint({left, right})
    )
    seen = _decide_then_sync(pipeline, "run-same", kind="same", left=together.left, right=together.right)
    assert seen[together.left] == seen[together.right]

    # A list-valued field override.
    target = seen[together.left]
    _decide_then_sync(
        pipeline,
        "run-override",
        kind="field_override",
        golden_id=target,
        field="emails",
        value=["steward.set@example.com"],
    )
    assert store.golden.get_golden(target).emails == ["steward.set@example.com"]

    # Unmerge one record of a golden record of two or more.
    golden_id, members = next((g, m) for g, m in sorted(_groups(store).items()) if len(m) >= 2)
    seen = _decide_then_sync(pipeline, "run-unmerge", kind="unmerge", left=members[-1])
    assert seen[members[-1]] != seen[members[0]] == golden_id

    # Every change a decision made was pushed once; a further sync has nothing left to push.
    last = pipeline.run(run_id="run-final")
    assert last.failed == {}
    assert all(stats["pushed"] == 0 for stats in last.published.values()), last.published
