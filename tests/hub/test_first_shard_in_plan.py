"""``crmhub sync`` runs the plan and its shards in one process (``SyncPipeline.match``): the plan matches
the first shard while its search keys are being written, instead of waiting for that write and matching
afterwards, and the golden write takes the shards' clusters from memory (``hub.plan_in_process``), not
from the store. The outcome must be what the same steps give as separate tasks (the Airflow DAG's way):
the same clusters, pairs, and golden records and events written in the same order."""

from __future__ import annotations

import threading

from hub_staging import customer_partition, hub_config, stage
from sqlalchemy import func, select

import hub.pipeline
import matching
from hub.models import MatchPairRow, MatchPlanCluster, MatchPlanRow, OutboxEvent
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

    watched: list[HubStore] = []  # the store whose stored plan is counted when the golden write starts
    stored_plan: list[tuple[int, int]] = []
    checkpoint = hub.pipeline.checkpoint

    def counting_the_plan(point: str) -> None:
        if point == "match.computed":
            stored_plan.append(_stored_plan(watched[-1]))
        checkpoint(point)

    monkeypatch.setattr(matching, "match_frame", matching_now)
    monkeypatch.setattr(StagingRepository, "refresh_search_keys", keys_after_the_match)
    monkeypatch.setattr(hub.pipeline, "checkpoint", counting_the_plan)
    in_one = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    as_tasks = SyncPipeline(in_one.config, HubStore(f"sqlite:///{tmp_path}/tasks.db", upgrade=True))
    try:
        changed = records[0].model_copy(update={"family_name": "Anders", "emails": []})
        for run, batch in (("full", records[:200]), ("incremental", [changed, *records[200:230]])):
            stage(in_one.store, batch)
            stage(as_tasks.store, batch)
            matched.clear()
            watched.append(in_one.store)
            assert in_one.match(run)["mode"] == run
            assert matched.is_set()
            if run == "full":  # the tasks score with the model the first run trained
                as_tasks.store.runs.save_model(in_one.store.runs.active_model(), trained_on_records=200)
            for shard in as_tasks.plan_match(run):  # each step as a task of its own would run it
                SyncPipeline(as_tasks.config, as_tasks.store).match_shard(run, shard)
            watched.append(as_tasks.store)
            SyncPipeline(as_tasks.config, as_tasks.store).finish_match(run)
            assert customer_partition(in_one.store) == customer_partition(as_tasks.store)
            assert _pairs(in_one.store) == _pairs(as_tasks.store)
            assert _events(in_one.store) == _events(as_tasks.store)
            in_process, tasks = stored_plan[-2:]
            # one process keeps its plan's records and clusters in memory; the tasks go through the store
            assert in_process == (0, 0)
            assert tasks[0] > 0 and tasks[1] > 0
    finally:
        in_one.store.close()
        as_tasks.store.close()


def _pairs(store: HubStore) -> list[tuple]:
    pair = MatchPairRow
    columns = (pair.left_system, pair.left_id, pair.right_system, pair.right_id, pair.score, pair.decision)
    with store.sessions() as session:
        rows = session.execute(select(*columns, pair.explanation).order_by(*columns[:4])).all()
    return [tuple(row) for row in rows]


def _events(store: HubStore) -> list[tuple]:
    """The change feed in its order, without the times."""
    event = OutboxEvent
    with store.sessions() as session:
        rows = session.execute(
            select(event.change, event.golden_id, event.related_id).order_by(event.seq)
        ).all()
    return [tuple(row) for row in rows]


def _stored_plan(store: HubStore) -> tuple[int, int]:
    """How many planned records and cluster labels the store holds."""
    with store.sessions() as session:
        count = select(func.count())
        rows, labels = (session.scalar(count.select_from(t)) for t in (MatchPlanRow, MatchPlanCluster))
    return rows, labels
