"""The run-log context manager finishes each step once: stats on success, partial stats + error on failure."""

from __future__ import annotations

import pytest

from hub.run_step import run_step
from hub.store import HubStore


@pytest.fixture
def store(tmp_path) -> HubStore:
    return HubStore(f"sqlite:///{tmp_path / 'hub.db'}", upgrade=True)


def test_success_records_the_stats(store: HubStore) -> None:
    with run_step(store, store.runlog.start_step("r1", "extract", "erp")) as step:
        step.stats = {"inserted": 3}
    [row] = store.runlog.run_steps("r1")
    assert (row["status"], row["stats"], row["error"]) == ("success", {"inserted": 3}, None)


def test_failure_keeps_partial_stats_and_reraises(store: HubStore) -> None:
    step_id = store.runlog.start_step("r2", "extract", "erp")
    with pytest.raises(ValueError, match="page 2 broken"), run_step(store, step_id) as step:
        step.stats = {"pages": 1}
        raise ValueError("page 2 broken")
    [row] = store.runlog.run_steps("r2")
    assert (row["status"], row["stats"]) == ("failed", {"pages": 1})
    assert row["error"] == "ValueError: page 2 broken"
