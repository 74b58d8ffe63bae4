"""hub.golden_slices: a full run's golden records built in worker processes are those built here."""

from __future__ import annotations

import multiprocessing
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import pytest

from hub import golden_slices
from hub.consolidate import GoldenBuild
from matching.parallel import start_method
from schemas import RecordKey


@contextmanager
def _thread_running() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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


@pytest.mark.parametrize("other_thread", [False, True], ids=["forked", "fork-server"])
def test_golden_records_built_in_worker_processes_equal_those_built_here(hub, monkeypatch, other_thread):
    hub.config.survivorship.conflict_fields = ["tax_id", "date_of_birth", "family_name", "given_name"]
    monkeypatch.setattr("hub.consolidate.BUILD_SLICE", 9)  # many slices, coming back in order
    some = sorted(hub.store.golden.golden_ids())[::7]
    overrides = {golden_id: {"given_name": "Zed", "family_name": "Pinned"} for golden_id in some}
    here, here_conflicts, none = _build(hub, overrides)

    monkeypatch.setattr(golden_slices, "WORKERS_FROM", 1)
    monkeypatch.setenv("CRMHUB_MATCH_PROCESSES", "2")
    # with another thread the workers come from the fork server; without, they are forked (unless an
    # earlier test left a thread running in this process: then the fork server too)
    with _thread_running() if other_thread else nullcontext():
        assert start_method() == "forkserver" or not other_thread
        there, there_conflicts, workers = _build(hub, overrides)

    assert none == 0 and workers >= 2
    assert there == here
    assert there_conflicts == here_conflicts
    assert here_conflicts and any(len(f) > 0 for f in here_conflicts.values())
    assert any('"Zed"' in record.text for record in there)
    assert not any({"given_name", "family_name"} & set(here_conflicts.get(g, {})) for g in some)

