"""A match with nothing new, changed, deleted or decided since the last one does no matching work: the
no-change re-sync of a large store must not normalise and block every record to find nothing."""

from __future__ import annotations

from hub_staging import hub_config, stage

import matching
from hub.pipeline import SyncPipeline
from hub.store import HubStore


def test_a_match_with_nothing_new_normalises_nothing_and_changes_nothing(store_url, records, monkeypatch):
    hub = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    try:
        stage(hub.store, records[:120])
        first = hub.match("run-1")
        before = hub.store.golden.membership()
        head = hub.store.outbox.outbox_head()

        def refuse(frame):  # noqa: ANN001, ANN202 - the plan must not get this far
            raise AssertionError("normalised a store with nothing to match")

        monkeypatch.setattr(matching, "match_features", refuse)
        second = hub.match("run-2")
        assert second["mode"] == "incremental"
        assert second["rematched_records"] == 0 and second["records"] == first["records"] == 120
        assert hub.store.golden.membership() == before
        assert hub.store.outbox.outbox_head() == head

        stage(hub.store, [records[0].model_copy(update={"family_name": "Changed"})])
        monkeypatch.undo()
        third = hub.match("run-3")
        assert third["mode"] == "incremental" and third["rematched_records"] >= 1
    finally:
        hub.store.close()
