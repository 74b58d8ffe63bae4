"""The whole sync against the four local systems over real loopback connections, on both store backends."""

from __future__ import annotations

import subprocess
import sys
from itertools import combinations

import pytest

from hub.pipeline import SourceStep, SyncPipeline
from hub.store import HubStore
from hub.sync_lock import SyncLock
from sources.run import SYSTEMS


def _truth(local_sources) -> dict[tuple[str, str], str]:
    """(system, source id) -> real customer, read from the systems' seed (the generator's truth)."""
    from sources.run import seed_rows

    seeded = local_sources.data_dir / "seeded.json"
    import json

    meta = json.loads(seeded.read_text())
    rows = seed_rows(meta["records"], meta["seed"])
    return {(r["source_system"], r["source_id"]): r["truth_id"] for system in rows.values() for r in system}


def test_full_sync_merges_across_systems_and_pushes_back(hub_config, local_sources):
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))
    summary = pipeline.run(run_id="run-1")
    assert summary.failed == {}
    assert set(summary.extracted) == set(SYSTEMS)
    assert all(stats["inserted"] > 0 for stats in summary.extracted.values())

    truth = _truth(local_sources)
    bad = {key for key, truth_id in truth.items() if truth_id.startswith("BAD-")}
    quarantined = {(q.source_system, q.source_id) for q in pipeline.store.staging.quarantine()}
    stored = set(pipeline.store.golden.membership())
    # Nothing silently dropped: every seeded row is either stored or quarantined with a reason.
    assert set(truth) <= stored | quarantined
    assert bad <= quarantined
    assert all(q.reason for q in pipeline.store.staging.quarantine())

    matched = summary.matched
    assert matched["golden_records"] < matched["records"]
    assert matched["cross_system_golden_records"] > 0

    # Merges are right: pairs inside golden records are (almost all) the same real customer.
    by_golden: dict[str, list] = {}
    for key, golden_id in pipeline.store.golden.membership().items():
        by_golden.setdefault(golden_id, []).append(key)
    merged_pairs = [(a, b) for members in by_golden.values() for a, b in combinations(members, 2)]
    correct = sum(truth[a] == truth[b] for a, b in merged_pairs)
    assert merged_pairs and correct / len(merged_pairs) >= 0.95

    # Every stored pair carries its explanation: per-field comparison levels and weights.
    from sqlalchemy import select

    from hub.models import MatchPairRow

    with pipeline.store.sessions() as session:
        explanations = list(session.scalars(select(MatchPairRow.explanation)))
    assert explanations and all(
        {"name", "email", "date_of_birth"} <= {e["field"] for e in explanation}
        for explanation in explanations
    )

    for name, stats in summary.published.items():
        assert stats["failed"] == 0, name
        assert stats["pushed"] > 0, name
    # The golden id landed in every system: read records back through each system itself.
    for name, system in local_sources.systems.items():
        key = next(k for k in stored if k.source_system == name)
        assert pipeline.store.golden.membership()[key] in str(system.inspect(key.source_id)), name


@pytest.mark.parametrize("source_workers", [1, 2], ids=["one-after-another", "two-workers"])
def test_second_run_is_incremental_and_pushes_nothing_new(hub_config, local_sources, source_workers):
    hub_config.source_workers = source_workers
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))
    first = pipeline.run(run_id="run-1")
    golden_before = pipeline.store.golden.membership()
    second = pipeline.run(run_id="run-2")
    assert second.failed == {}
    for name, stats in second.extracted.items():
        assert stats["inserted"] == 0, name
        assert stats["inserted"] + stats["updated"] + stats["unchanged"] <= first.extracted[name]["inserted"]
    assert all(stats["pushed"] == 0 for stats in second.published.values())
    assert pipeline.store.golden.membership() == golden_before  # golden ids are stable across runs


def test_a_source_worker_holds_the_sync_lock_in_the_name_of_the_sync(hub_config, local_sources):
    """A worker's step refreshes the lock for the sync's process, not its own: when the worker has
    ended, the sync still counts as alive and no other run can take the hub over."""
    store = HubStore(hub_config.database_url, upgrade=True)
    pipeline = SyncPipeline(hub_config, store)
    sync = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a live process
    try:
        SyncLock(store, pid=sync.pid).hold("run-1")
        step = SourceStep(hub_config, store.url, pipeline.credentials, "publish", "run-1", sync_pid=sync.pid)
        result = step("legacy_csv")
        assert result["pushed"] == 0  # nothing matched yet: nothing to push
        holder = SyncLock(store).holder()
        assert holder is not None and (holder.run_id, holder.pid) == ("run-1", sync.pid)
    finally:
        sync.kill()
        sync.wait()
