"""hub.golden_slices: a full run's golden records built in worker processes are those built here."""

from __future__ import annotations

import multiprocessing
from collections import defaultdict

from hub import golden_slices
from hub.consolidate import GoldenBuild
from schemas import RecordKey


def _build(hub, overrides) -> tuple[list, dict, int]:
    """Every stored golden record rebuilt from its links: the dumped records, their conflicts, and
    how many processes this one had started by the time the first record came back."""
    clusters: dict[str, list[RecordKey]] = defaultdict(list)
    for key, golden_id in sorted(hub.store.golden.membership().items()):
        clusters[golden_id].append(key)
    build = GoldenBuild(hub.store, hub.config, clusters, {g: g for g in clusters}, overrides)
    built = iter(build)
    first = next(built)
    children = len(multiprocessing.active_children())
    return [first, *built], build.conflicts, children


def test_golden_records_built_in_worker_processes_equal_those_built_here(hub, monkeypatch):
    hub.config.survivorship.conflict_fields = ["tax_id", "date_of_birth", "family_name", "given_name"]
    monkeypatch.setattr("hub.consolidate.BUILD_SLICE", 9)  # many slices, coming back in order
    some = sorted(hub.store.golden.golden_ids())[::7]
    overrides = {golden_id: {"given_name": "Zed", "family_name": "Pinned"} for golden_id in some}
    here, here_conflicts, none = _build(hub, overrides)

    monkeypatch.setattr(golden_slices, "WORKERS_FROM", 1)
    monkeypatch.setenv("CRMHUB_MATCH_PROCESSES", "2")
    there, there_conflicts, workers = _build(hub, overrides)

    assert none == 0 and workers >= 2
    assert there == here
    assert there_conflicts == here_conflicts
    assert here_conflicts and any(len(f) > 0 for f in here_conflicts.values())
    assert any('"Zed"' in record.text for record in there)
    assert not any({"given_name", "family_name"} & set(here_conflicts.get(g, {})) for g in some)

