"""A sync's steps run with the collector's batch pace (``hub.cycle_gc``); the process's own
thresholds come back when a step ends, also when it fails."""

from __future__ import annotations

import gc

import pytest
from hub_staging import hub_config

from hub.cycle_gc import BATCH_THRESHOLD, batch_pace
from hub.pipeline import SyncPipeline
from hub.store import HubStore


@pytest.fixture
def default_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_a_step_collects_at_the_batch_pace_and_restores_the_callers(store_url, default_thresholds):
    hub = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    try:
        with hub.step("run-1", "extract", "erp"):
            inside = gc.get_threshold()
        with pytest.raises(RuntimeError), hub.step("run-1", "publish", "erp"):
            raise RuntimeError("the step fails")
        after = gc.get_threshold()
    finally:
        hub.store.close()
    assert inside == (BATCH_THRESHOLD, 10, 10)
    assert after == (700, 10, 10)


def test_a_caller_collecting_less_often_is_not_made_to_collect_more(default_thresholds):
    gc.set_threshold(BATCH_THRESHOLD * 2, 5, 5)
    with batch_pace():
        assert gc.get_threshold() == (BATCH_THRESHOLD * 2, 5, 5)
    assert gc.get_threshold() == (BATCH_THRESHOLD * 2, 5, 5)
