"""PostgreSQL as the store: a sync's match step and a steward's decision, in two processes at the same
time, must not lose either. The sync is held (``CRMHUB_PAUSE_AT``) after computing its clusters and
before writing them; the steward splits a merged pair meanwhile; then the sync writes."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bench.reliability import REPO, write_config
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import RecordKey, load_config

SYNC_MATCH = """
import inspect, json, sys
from schemas import load_config
from hub.pipeline import SyncPipeline
pipeline = SyncPipeline(load_config(sys.argv[1]))
extra = {"rematch_all": True} if "rematch_all" in inspect.signature(pipeline.match).parameters else {}
print(json.dumps(pipeline.match("concurrent-run", **extra), default=str))
"""
STEWARD_SPLIT = """
import sys
from schemas import RecordKey, load_config
from schemas.steward import NotSameCustomer
from hub.store import HubStore
from hub.stewardship import Stewardship
config = load_config(sys.argv[1])
left, right = RecordKey(*sys.argv[2].split("|")), RecordKey(*sys.argv[3].split("|"))
decision = NotSameCustomer(kind="not_same", left=left, right=right, user="steward-anna")
print(Stewardship(HubStore(config.database_url, upgrade=True), config).decide(decision).golden_ids)
"""


def test_steward_decision_during_a_sync_is_not_lost(postgres, small_sources, tmp_path, monkeypatch):
    server, _ = postgres
    url = server.create_database(f"hub_concurrency_{int(time.time() * 1000)}")
    monkeypatch.setenv("CRMHUB_DATABASE_URL", url)
    config_path = write_config(tmp_path / "crmhub.yaml", url)
    config = load_config(config_path)
    first = SyncPipeline(config, HubStore(url, upgrade=True)).run(run_id="first")
    assert first.failed == {}
    store = HubStore(url, upgrade=True)
    merged = next(sorted(members) for members in _groups(store).values() if len(members) > 1)
    left, right = merged[0], merged[1]

    flag = tmp_path / "pause"
    env = {**_env(), "CRMHUB_PAUSE_AT": "match.computed", "CRMHUB_PAUSE_FILE": str(flag)}
    sync = subprocess.Popen([sys.executable, "-c", SYNC_MATCH, str(config_path)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(flag.with_suffix(".waiting"), sync)
        steward = subprocess.run(
            [sys.executable, "-c", STEWARD_SPLIT, str(config_path), "|".join(left), "|".join(right)],
            env=_env(), cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert steward.returncode == 0, steward.stderr[-2000:]
        decided = store.golden.membership()
        near = {decided[left], decided[right]}
        seen = {k: g for k, g in decided.items() if g in near}  # what the steward saw
        flag.with_suffix(".go").touch()
        out, err = sync.communicate(timeout=300)
    finally:
        if sync.poll() is None:
            sync.kill()
    assert sync.returncode == 0, err[-2000:]
    stats = json.loads(out.strip().splitlines()[-1])
    assert stats["golden_records"] > 0  # the sync's work was saved...

    store = HubStore(url, upgrade=True)
    assert [d.kind.value for d in store.decisions.active_decisions()] == ["not_same"]
    # ...and so was the steward's: the pair stays split in the golden records after the sync wrote.
    golden = store.golden
    assert golden.golden_id_of(left) != golden.golden_id_of(right), "the sync overwrote the steward's split"
    # ...exactly as the steward saw it (not the sync's older clusters), and the next sync keeps it
    assert {k: store.golden.golden_id_of(k) for k in seen} == seen
    head = store.outbox.outbox_head()
    SyncPipeline(config, HubStore(url, upgrade=True)).match("after-the-race")
    assert {k: store.golden.golden_id_of(k) for k in seen} == seen
    changes = store.outbox.changes_since(head)
    assert [e for e in changes if e["golden_id"] in near or e["related_id"] in near] == []
    steps = {s["step"]: s for s in store.runlog.run_steps("concurrent-run")}
    assert steps["match"]["status"] == "success"


def _groups(store: HubStore) -> dict[str, list[RecordKey]]:
    groups: dict[str, list[RecordKey]] = {}
    for key, golden_id in store.golden.membership().items():
        groups.setdefault(golden_id, []).append(key)
    return groups


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMHUB_PAUSE")}
    return env | {"PYTHONPATH": str(REPO)}


def _wait_for(path, process, limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"sync ended before the pause point: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("sync never reached the pause point")
        time.sleep(0.05)
