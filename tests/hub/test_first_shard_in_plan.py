"""``crmhub sync`` runs the plan and its shards in one process (``SyncPipeline.match``): the plan matches
the first shard while its search keys are being written, instead of waiting for that write and matching
afterwards. The outcome must be what the same steps give as separate tasks (the Airflow DAG's way)."""

from __future__ import annotations

import threading

from hub_staging import customer_partition, hub_config, stage
from sqlalchemy import select

import matching
from hub.models import MatchPairRow
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from hub.store.staging import StagingRepository


def test_the_first_shard_is_matched_while_the_search_keys_are_written_with_the_tasks_outcome(
    store_url, records, tmp_path, monkeypatch
):
    matched = threading.Event()
    match_frame, refresh_search_keys = matching.match_frame, StagingRepository.refresh_search_keys

    def matching_now(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the engine's own signature
        result = match_frame(*args, **kwargs)
        matched.set()
        return result

    def keys_after_the_match(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        written = refresh_search_keys(self, *args, **kwargs)
        if kwargs.get("known") is not None:  # the plan's write, not a quiet run's refresh
            # the plan waits for this write: a match made only after it would never come
            assert matched.wait(60), "the first shard was not matched while the search keys were written"
        return written

    monkeypatch.setattr(matching, "match_frame", matching_now)
    monkeypatch.setattr(StagingRepository, "refresh_search_keys", keys_after_the_match)
    in_one = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    as_tasks = SyncPipeline(in_one.config, HubStore(f"sqlite:///{tmp_path}/tasks.db", upgrade=True))
    try:
        changed = records[0].model_copy(update={"family_name": "Anders", "emails": []})
        for run, batch in (("full", records[:200]), ("incremental", [changed, *records[200:230]])):
            stage(in_one.store, batch)
            stage(as_tasks.store, batch)
            matched.clear()
            assert in_one.match(run)["mode"] == run
            assert matched.is_set()
            if run == "full":  # the tasks score with the model the first run trained
                as_tasks.store.runs.save_model(in_one.store.runs.active_model(), trained_on_records=200)
            for shard in as_tasks.plan_match(run):  # each step as a task of its own would run it
                SyncPipeline(as_tasks.config, as_tasks.store).match_shard(run, shard)
            SyncPipeline(as_tasks.config, as_tasks.store).finish_match(run)
            assert customer_partition(in_one.store) == customer_partition(as_tasks.store)
            assert _pairs(in_one.store) == _pairs(as_tasks.store)
    finally:
        in_one.store.close()
        as_tasks.store.close()


def _pairs(store: HubStore) -> list[tuple]:
    pair = MatchPairRow
    columns = (pair.left_system, pair.left_id, pair.right_system, pair.right_id, pair.score, pair.decision)
    with store.sessions() as session:
        rows = session.execute(select(*columns, pair.explanation).order_by(*columns[:4])).all()
    return [tuple(row) for row in rows]
