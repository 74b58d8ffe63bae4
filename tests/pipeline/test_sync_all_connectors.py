"""One sync over all nine local systems (every shipped connector), through the same pipeline."""

from __future__ import annotations

from pathlib import Path

import yaml

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import HubConfig
from sources.run import ALL_SYSTEMS

REPO = Path(__file__).resolve().parents[2]


def test_every_connector_pulls_and_pushes_in_one_sync(all_sources, tmp_path):
    data = yaml.safe_load((REPO / "config" / "crmhub-all.yaml").read_text(encoding="utf-8"))
    data["database_url"] = f"sqlite:///{tmp_path}/hub.db"
    config = HubConfig.model_validate(data)
    assert {s.name for s in config.sources} == set(ALL_SYSTEMS)

    pipeline = SyncPipeline(config, HubStore(config.database_url, upgrade=True))
    summary = pipeline.run(run_id="all-1")
    assert summary.failed == {}
    for name in ALL_SYSTEMS:
        assert summary.extracted[name]["inserted"] > 0, name
        assert summary.published[name]["failed"] == 0, name
        assert summary.published[name]["pushed"] > 0, name
    # The same customers sit in several systems: golden records span the new systems too.
    systems_per_golden: dict[str, set[str]] = {}
    for key, golden_id in pipeline.store.golden.membership().items():
        systems_per_golden.setdefault(golden_id, set()).add(key.source_system)
    spanned = set().union(*(s for s in systems_per_golden.values() if len(s) > 1))
    assert spanned == set(ALL_SYSTEMS)

    second = pipeline.run(run_id="all-2")
    assert second.failed == {}
    assert all(stats["inserted"] == 0 for stats in second.extracted.values())
