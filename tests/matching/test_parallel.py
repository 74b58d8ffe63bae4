"""The per-value normalisers in worker processes give exactly the features of the serial loop."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from matching import parallel
from matching.features import build_features
from matching.frame import conform
from matching.normalize import map_unique, map_unique_later, name_key, phonetic_key, warm_up
from sources.generator import generate_dataset


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rows = generate_dataset(1_500, seed=31, malformed_rate=0).rows
    return conform(pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.all().cast(pl.Utf8)))


def test_features_from_worker_processes_equal_the_serial_ones(frame, monkeypatch):
    serial = build_features(frame)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_VALUES", 1)  # every column through the pool
    used: list[int] = []
    real_map = multiprocessing.pool.Pool.map_async

    def counting_map(pool, func, values, chunksize=None):
        used.append(len(values))
        return real_map(pool, func, values, chunksize)

    monkeypatch.setattr(multiprocessing.pool.Pool, "map_async", counting_map)
    with parallel.worker_processes(2, warm_up=warm_up) as processes:
        pooled = build_features(frame)
    # the name, contact and derived columns all went through: 13 lists submitted before any result is
    # awaited, 6 that need those results (Taiwan spellings, token keys, abjad key)
    assert processes == 2 and len(used) == 19
    assert pooled.equals(serial)


def test_submitted_values_come_back_in_order_with_or_without_a_pool(monkeypatch):
    values = [f"v{i}" for i in range(3_000)]
    expected = [[v.upper() for v in values], [v[::-1] for v in values]]
    monkeypatch.setattr(parallel, "MIN_PARALLEL_VALUES", 1)
    with parallel.worker_processes(2):
        first, second = (parallel.submit_values((str.upper, _reversed), values[:n]) for n in (3_000, 7))
        assert second() == [column[:7] for column in expected] and first() == expected
    assert parallel.submit_values((str.upper, _reversed), values)() == expected


def _reversed(value: str) -> str:
    return value[::-1]


_held = threading.Lock()


def _upper_under_the_lock(value: str) -> str:
    with _held:
        return value.upper()


def test_a_lock_another_thread_holds_when_the_pool_starts_does_not_stall_its_workers(monkeypatch):
    # a thread of the matching process (Airflow's in-process API, the sync's dispatcher) may hold a lock
    # the moment the pool starts; a plain fork would hand the workers that lock held forever
    monkeypatch.setattr(parallel, "MIN_PARALLEL_VALUES", 1)
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with _held:
            taken.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait()
    result: list[list[str]] = []
    assert parallel.start_method() == "forkserver"  # another thread runs
    with parallel.worker_processes(2):
        release.set()
        holder.join()
        values = ["a", "b"] * 50
        mapping = threading.Thread(
            target=lambda: result.append(parallel.map_values(_upper_under_the_lock, values))
        )
        mapping.start()
        mapping.join(timeout=60)
        assert result == [["A", "B"] * 50]


_FORKED_ALONE = """
import threading
import polars as pl
from matching import parallel
from matching.features import build_features
from matching.frame import conform
from matching.normalize import warm_up
from sources.generator import generate_dataset

rows = generate_dataset(600, seed=5, malformed_rate=0).rows
frame = conform(pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.all().cast(pl.Utf8)))
serial = build_features(frame)
parallel.MIN_PARALLEL_VALUES = 1
assert threading.active_count() == 1 and parallel.start_method() == "fork"
with parallel.worker_processes(2, warm_up=warm_up) as processes:
    assert processes == 2 and build_features(frame).equals(serial)
print("same features")
"""


def test_a_process_running_no_other_thread_forks_its_workers_and_gets_the_same_features():
    done = subprocess.run(
        [sys.executable, "-c", _FORKED_ALONE],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "same features"


def test_several_normalisers_in_one_pass_equal_one_pass_each():
    column = pl.Series("v", ["Ann Lee", None, "李小龍", "Ann Lee", "", "สมชาย ใจดี"])
    funcs = (name_key, phonetic_key, _reversed)
    together = map_unique_later(column, *funcs)()
    assert [s.name for s in together] == ["v"] * 3
    assert all(s.equals(map_unique(column, f)) for s, f in zip(together, funcs, strict=True))
    assert map_unique_later(column.filter(column.is_null()), name_key)()[0].len() == 1


def test_no_pool_where_one_process_is_asked_for_or_the_process_is_daemonic(monkeypatch):
    with parallel.worker_processes(1) as processes:
        assert processes == 1 and parallel.map_values(str.upper, ["a"] * 50_000)[0] == "A"
    monkeypatch.setenv("CRMHUB_MATCH_PROCESSES", "1")
    assert parallel.process_count() == 1
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)  # a Celery prefork worker
    assert parallel.process_count(4) == 1
