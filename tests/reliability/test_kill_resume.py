"""kill -9 of ``crmhub sync`` at named crash points, then a rerun: the hub converges to what an
uninterrupted run builds, loses and duplicates nothing, and no source gets a push applied twice.

A few points here (each costs two syncs); ``bench/reliability.py`` loops over many random ones.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.reliability import check_converged, read_state, reference_run, run_sync, start_world


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return reference_run(tmp_path_factory.mktemp("reference"), records=120, seed=11)


@pytest.mark.parametrize(
    "kill_at",
    [
        "extract.fetched:2",  # mid-extract: a page pulled, not stored
        "match.computed",  # mid-merge: clusters computed, golden records not written
        "publish.pushed:2",  # mid-push: a source holds the updates, the hub has not recorded them
    ],
)
def test_kill_and_rerun_converges(kill_at, reference, tmp_path):
    reference_state, reference_writes = reference
    world = start_world(tmp_path / "world", records=120, seed=11)
    try:
        killed = run_sync(world, kill_at=kill_at)
        assert killed.killed, f"the crash point {kill_at} was never reached: {killed.stderr[-1000:]}"
        after_kill = read_state(world)
        assert after_kill.stored < reference_state.stored or kill_at != "extract.fetched:2"
        rerun = run_sync(world)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert check_converged(reference_state, reference_writes, world, after_kill) == []
        assert max(Counter(world.writes.counts).values()) == 1  # every effective write happened once
    finally:
        world.stop()
