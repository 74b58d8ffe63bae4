"""Golden records built a slice of clusters at a time, on every core when there are many.

A full run's golden-record step was the longest stretch of a sync on one core (26 of 99 s at 100k
records, the other core idle): per cluster, reading its source records, survivorship with lineage,
field conflicts, and the record dumped, hashed and encoded as JSON. None of that depends on another
cluster, and only the write must be one transaction in one process. So with many clusters
(``WORKERS_FROM``) worker processes build the slices, each reading the source records through its own
store connection, and send back plain values (``DumpedGolden``, conflicts); the sync's process writes
them in the order of the slices, so rows, ids and audit order are those of the serial build (a test
compares them), while the next slices are being built.

The workers are matching's: as many, started the same way (``matching.parallel``: a plain fork where
this process runs no other thread, else from the fork server) and none where a pool cannot be had (a
daemonic Celery worker, one core, ``CRMHUB_MATCH_PROCESSES=1``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from hub.cycle_gc import pace_for_batch
from hub.golden import build_golden, field_conflicts
from hub.store import HubStore
from hub.store.common import DumpedGolden, dump_golden
from matching.parallel import process_count, start_method
from schemas import RecordKey, SurvivorshipConfig

#: Clusters from which a build is worth worker processes: each starts in a fraction of a second
#: (forked) but the fork server's imports take seconds.
WORKERS_FROM = 20_000

Conflicts = dict[str, dict[str, list[dict[str, Any]]]]


class ClusterToBuild(NamedTuple):
    """One golden record to build: its id, its source records, the steward's field overrides."""

    golden_id: str
    members: list[RecordKey]
    overrides: Mapping[str, Any] | None


class BuiltSlice(NamedTuple):
    golden: list[DumpedGolden]
    conflicts: Conflicts  # golden id -> field -> the values in conflict (overridden fields left out)


class Survivorship(NamedTuple):
    """What survivorship reads of the configuration: each source's trust and the rules."""

    trust: Mapping[str, int]
    rules: SurvivorshipConfig


def build_slice(
    store: HubStore, survivorship: Survivorship, clusters: Sequence[ClusterToBuild]
) -> BuiltSlice:
    """The golden records of ``clusters`` from their source records as stored now."""
    records = store.staging.load_records([k for c in clusters for k in c.members], raw=False)
    trust, rules = survivorship
    out = BuiltSlice([], {})
    for cluster in clusters:
        cluster_records = [records[k] for k in cluster.members]
        own = cluster.overrides or {}
        out.golden.append(dump_golden(build_golden(cluster.golden_id, cluster_records, trust, own, rules)))
        found = field_conflicts(cluster_records, rules.conflict_fields)
        found = {name: values for name, values in found.items() if name not in own}
        if found:
            out.conflicts[cluster.golden_id] = found
    return out


def built_slices(
    store: HubStore, survivorship: Survivorship, slices: Iterable[Sequence[ClusterToBuild]], clusters: int
) -> Iterator[BuiltSlice]:
    """``build_slice`` of each slice, in order: in worker processes when there are ``WORKERS_FROM``
    ``clusters`` or more in all and a pool can be had, else here. The workers start on the call, not
    at the first ``next``: the caller can write something else meanwhile (``write_match``: the pairs)."""
    processes = 1 if clusters < WORKERS_FROM else process_count()
    if processes <= 1:
        return (build_slice(store, survivorship, part) for part in slices)
    pool = _pool(processes, store.url, survivorship)
    return _closing(pool, pool.imap(_build_in_worker, slices, chunksize=1))


def _closing(pool: Any, results: Iterator[BuiltSlice]) -> Iterator[BuiltSlice]:
    """``results``, then the pool ended (also when the caller stops early or fails)."""
    try:
        yield from results
    finally:
        pool.terminate()
        pool.join()


def _pool(processes: int, url: str, survivorship: Survivorship) -> Any:
    context = multiprocessing.get_context(start_method())
    return context.Pool(processes, initializer=_open_store, initargs=(url, survivorship))


_worker_store: HubStore | None = None
_worker_survivorship: Survivorship | None = None


def _open_store(url: str, survivorship: Survivorship) -> None:
    """A worker's own store connection (a forked worker must not use its parent's), and the
    collector's pace of a sync's step (``hub.cycle_gc``): the worker does nothing else."""
    global _worker_store, _worker_survivorship
    pace_for_batch()
    _worker_store, _worker_survivorship = HubStore(url), survivorship


def _build_in_worker(clusters: Iterable[ClusterToBuild]) -> BuiltSlice:
    assert _worker_store is not None and _worker_survivorship is not None, "the pool's initializer ran"
    return build_slice(_worker_store, _worker_survivorship, list(clusters))
