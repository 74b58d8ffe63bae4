"""A run's golden-record write, its match watermark and the drop of its plan are one transaction: a run
is never left with its golden records stored but its watermark behind (the next run would match it all
again) or its plan kept (rows of a finished run)."""

from __future__ import annotations

import pytest
from hub_staging import hub_config, stage

from hub.pipeline import MATCH_STREAM, SyncPipeline
from hub.store import HUB_SOURCE, HubStore
from hub.store.matchruns import MatchRunRepository


def test_a_failure_at_the_plans_drop_undoes_the_golden_write_and_a_rerun_finishes(
    store_url, records, monkeypatch
):
    hub = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    try:
        stage(hub.store, records[:60])
        assert hub.plan_match("run-1") == [0]
        hub.match_shard("run-1", 0)

        def failing(session, run_id):  # noqa: ANN001, ANN202
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(MatchRunRepository, "drop_plan_in", staticmethod(failing))
        with pytest.raises(RuntimeError, match="the disk is full"):
            hub.finish_match("run-1")
        assert hub.store.golden.membership() == {}  # nothing of the run's write stayed
        assert hub.store.staging.get_cursor(HUB_SOURCE, stream=MATCH_STREAM) is None
        assert hub.store.runs.plan("run-1") is not None  # the plan is there to finish from

        monkeypatch.undo()
        stats = hub.finish_match("run-1")
        assert stats["golden_created"] > 0 and len(hub.store.golden.membership()) == 60
        assert hub.store.staging.get_cursor(HUB_SOURCE, stream=MATCH_STREAM) is not None
        assert hub.store.runs.plan("run-1") is None
    finally:
        hub.store.close()
