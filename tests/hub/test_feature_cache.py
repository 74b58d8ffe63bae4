"""The plan's features kept between runs (hub.feature_cache): an incremental plan normalises only the
records new or changed since the last plan, and what it gets equals normalising every record."""

from __future__ import annotations

from hub_staging import hub_config, stage
from sqlalchemy import select, update

from hub.erasure import erase_person
from hub.feature_cache import FeatureCache, FeatureCacheRow
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from matching import match_features
from schemas import CustomerRecord


def test_cached_features_equal_a_fresh_normalisation_and_only_changes_are_normalised(
    store_url: str, records: list[CustomerRecord]
):
    hub = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    try:
        stage(hub.store, records[:250])
        first = hub.match("run-1")
        assert first["normalised_records"] == 250  # nothing cached yet
        changed = [r.model_copy(update={"family_name": "Neu", "emails": []}) for r in records[:5]]
        deleted = [r.model_copy(update={"deleted": True}) for r in records[5:8]]
        stage(hub.store, changed + deleted + records[250:260])
        frame = hub.store.staging.load_match_frame()
        features, normalised = FeatureCache(hub.store).features(frame)
        assert normalised == len(changed) + 10  # the new ones; deleted ones are not in the frame
        assert features.equals(match_features(frame))
        # nothing changed since: all read back, still equal
        again, normalised = FeatureCache(hub.store).features(frame)
        assert normalised == 0 and again.equals(features)
        # the next run's plan uses it
        assert hub.match("run-2")["normalised_records"] == 0
    finally:
        hub.store.close()


def test_a_cache_of_another_engine_is_not_used(store_url: str, records: list[CustomerRecord]):
    store = HubStore(store_url, upgrade=True)
    try:
        stage(store, records[:40])
        frame = store.staging.load_match_frame()
        FeatureCache(store).features(frame)
        with store.sessions.begin() as session:
            session.execute(update(FeatureCacheRow).values(engine="an older engine"))
        features, normalised = FeatureCache(store).features(frame)
        assert normalised == 40 and features.equals(match_features(frame))
    finally:
        store.close()


def test_erasure_drops_the_cache_that_holds_the_persons_normalised_names(
    store_url: str, records: list[CustomerRecord]
):
    hub = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    try:
        stage(hub.store, records[:60])
        hub.match("run-1")
        golden_id = next(iter(hub.store.golden.membership().values()))
        with hub.store.sessions() as session:
            assert session.scalars(select(FeatureCacheRow.part)).all()
        erase_person(hub.store, golden_id, actor="dpo", compact=False)
        with hub.store.sessions() as session:
            assert not session.scalars(select(FeatureCacheRow.part)).all()
    finally:
        hub.store.close()


def test_a_shard_run_apart_from_its_plan_reads_the_plans_features_unless_a_record_changed_since(
    store_url: str, records: list[CustomerRecord]
):
    """As a mapped task of the DAG: the plan in one process, each shard in another (here: pipelines
    that share only the store). A shard whose records are as the plan cached them normalises none and
    reads features equal to a fresh normalisation; one whose record changed after the plan normalises."""
    config = hub_config(store_url)
    config = config.model_copy(update={"matching": config.matching.model_copy(update={"shards": 2})})
    store = HubStore(store_url, upgrade=True)
    try:
        stage(store, records[:120])
        SyncPipeline(config, store).plan_match("run-1")
        frame = store.staging.load_match_frame("run-1", 0)
        cached = FeatureCache(store).cached(frame)
        assert cached is not None and cached.equals(match_features(frame))
        assert SyncPipeline(config, store).match_shard("run-1", 0)["normalised_records"] == 0
        first = frame.row(0, named=True)
        key = (first["source_system"], first["source_id"])
        [record] = [r for r in records if (r.source_system, r.source_id) == key]
        stage(store, [record.model_copy(update={"family_name": "Neu"})])  # after the plan
        assert FeatureCache(store).cached(store.staging.load_match_frame("run-1", 0)) is None
        stats = SyncPipeline(config, store).match_shard("run-1", 0)
        assert stats["normalised_records"] == stats["records"] > 0
    finally:
        store.close()
