"""The per-value normalisers in worker processes give exactly the features of the serial loop."""

from __future__ import annotations

import multiprocessing

import polars as pl
import pytest

from matching import parallel
from matching.features import build_features
from matching.frame import conform
from matching.normalize import warm_up
from sources.generator import generate_dataset


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rows = generate_dataset(1_500, seed=31, malformed_rate=0).rows
    return conform(pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.all().cast(pl.Utf8)))


def test_features_from_worker_processes_equal_the_serial_ones(frame, monkeypatch):
    serial = build_features(frame)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_VALUES", 1)  # every column through the pool
    used: list[int] = []
    real_map = multiprocessing.pool.Pool.map

    def counting_map(pool, func, values, chunksize=None):
        used.append(len(values))
        return real_map(pool, func, values, chunksize)

    monkeypatch.setattr(multiprocessing.pool.Pool, "map", counting_map)
    with parallel.worker_processes(2, warm_up=warm_up) as processes:
        pooled = build_features(frame)
    assert processes == 2 and len(used) > 20  # the name, contact and derived columns all went through
    assert pooled.equals(serial)


def test_no_pool_where_one_process_is_asked_for_or_the_process_is_daemonic(monkeypatch):
    with parallel.worker_processes(1) as processes:
        assert processes == 1 and parallel.map_values(str.upper, ["a"] * 50_000)[0] == "A"
    monkeypatch.setenv("CRMHUB_MATCH_PROCESSES", "1")
    assert parallel.process_count() == 1
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)  # a Celery prefork worker
    assert parallel.process_count(4) == 1
