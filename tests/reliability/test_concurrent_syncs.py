"""One sync at a time (issue 15): a second ``crmhub sync`` started while one runs exits with who holds
the hub and pushes nothing; a run killed with -9 is marked failed by the next run; a holder on another
host is taken for dead only when its heartbeat is old."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from bench.reliability import run_sync, start_world
from hub.models import SyncLockRow
from hub.store import HubStore
from hub.sync_lock import LOCK_NAME, SyncAlreadyRunning, SyncLock


def test_two_syncs_at_once_one_runs_the_other_exits_and_nothing_is_pushed_twice(tmp_path):
    world = start_world(tmp_path / "world", records=120, seed=11)
    HubStore(world.database_url).close()  # a deployed hub: its store exists before syncs are started
    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(lambda _: run_sync(world), range(2)))
        assert sorted(o.returncode for o in outcomes) == [0, 3], [o.stderr[-500:] for o in outcomes]
        refused = next(o for o in outcomes if o.returncode == 3)
        assert "another sync is running: run " in refused.stderr and refused.stdout == ""
        assert world.writes.counts and world.writes.twice() == {}
    finally:
        world.stop()


def test_a_run_killed_mid_way_is_marked_failed_by_the_next_run(tmp_path):
    world = start_world(tmp_path / "world", records=120, seed=11)
    try:
        killed = run_sync(world, kill_at="match.computed")
        assert killed.killed
        store = HubStore(world.database_url, upgrade=True)
        killed_run = store.runlog.run_steps()[0]["run_id"]
        running = [s["step"] for s in store.runlog.run_steps(killed_run) if s["status"] == "running"]
        assert running == ["match"]
        assert run_sync(world).returncode == 0
        steps = store.runlog.run_steps(killed_run)
        assert not [s for s in steps if s["status"] == "running"]
        match = next(s for s in steps if s["step"] == "match")
        assert match["status"] == "failed" and "killed or lost" in match["error"]
        store.close()
    finally:
        world.stop()


def _holder_row(store: HubStore, host: str, pid: int, heartbeat: datetime) -> None:
    with store.sessions.begin() as session:
        session.add(SyncLockRow(name=LOCK_NAME, run_id="elsewhere", host=host, pid=pid,
                                acquired_at=heartbeat, heartbeat_at=heartbeat))


def test_a_live_holder_refuses_and_a_waiting_run_gets_the_lock_when_it_ends(store_url):
    store = HubStore(store_url, upgrade=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    threading.Thread(target=sleeper.wait, daemon=True).start()  # reaped when it ends, as a holder is
    lock = SyncLock(store)
    try:
        _holder_row(store, lock.host, sleeper.pid, datetime.now(UTC))
        with pytest.raises(SyncAlreadyRunning, match=f"run elsewhere \\(process {sleeper.pid} on "):
            lock.hold("mine")
        lock.hold("mine", wait_seconds=30)  # the holder's process ends after 3 s: taken over
        assert lock.holder().run_id == "mine"
    finally:
        sleeper.kill()
        store.close()


def test_a_holder_on_another_host_is_dead_only_when_its_heartbeat_is_old(store_url):
    store = HubStore(store_url, upgrade=True)
    lock = SyncLock(store, stale_after=timedelta(minutes=30))
    _holder_row(store, "airflow-worker-2", 4242, datetime.now(UTC) - timedelta(minutes=5))
    with pytest.raises(SyncAlreadyRunning):
        lock.hold("mine")
    with store.sessions.begin() as session:
        session.get(SyncLockRow, LOCK_NAME).heartbeat_at = datetime.now(UTC) - timedelta(hours=1)
    lock.hold("mine")
    assert lock.holder().run_id == "mine"
    store.close()
