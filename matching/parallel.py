"""The per-value normalisers on every core: the one serial stage left in matching.

Blocking, comparison and clustering run in polars, numpy and rapidfuzz, which use every core already.
Normalising names (transliteration, name order, Thai and Cantonese readings) is pure Python, once per
distinct value, and at a million records it was a third of the whole run on one core while the other
sat idle. ``worker_processes`` starts a small pool for the duration of a match; ``map_values`` spreads a
long list of distinct values over it, ``submit_values`` does so for several functions without waiting
for the result. The normalisers are pure functions, so the result is the same value for value as the
serial loop (a test compares them).

A plain fork where this process runs no other thread: the workers inherit the loaded vocabularies
and dictionaries (``warm_up``, run here first) and start at once. Where another thread runs (Airflow's
in-process API in ``dag.test()``, the sync's worker dispatcher, a web server in the same process) it
may hold a lock the moment of the fork, and a forked child inherits that lock held forever -- a pool
that hung so was seen in CI. There the workers come from the fork server (``start_method``), a fresh
single-threaded process that imports the normalisers once (``PRELOAD``; the sync's own fork server,
``hub.source_workers``, has them already); each loads the vocabularies as it starts. That costs
seconds (the server's imports, each worker's import of the main module) that a plain fork does not:
at 100k records the serial loop is as fast, at a million the pool saves 3 of 22 s against 7 with a
fork (``bench/README.md``).

Where a pool cannot be had -- a daemonic process such as a Celery prefork worker, a platform without
the fork server, one core, ``CRMHUB_MATCH_PROCESSES=1`` -- everything runs in this process as before.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import chain
from multiprocessing.pool import Pool
from typing import Final, TypeVar

T = TypeVar("T")

#: Below this many distinct values a list is mapped in this process: sending the values and results
#: through pipes costs more than the loop.
MIN_PARALLEL_VALUES = 10_000
#: At most this many worker processes: normalising is a small share of the run beyond that.
MAX_PROCESSES = 4
#: What the fork server imports before it forks a pool worker.
PRELOAD: Final = ["matching.normalize"]

_pool: Pool | None = None
_processes = 1


def process_count(requested: int | None = None) -> int:
    """Worker processes to use: ``requested``, else ``CRMHUB_MATCH_PROCESSES``, else the usable cores
    (at most ``MAX_PROCESSES``); 1 where this process may not fork children."""
    methods = multiprocessing.get_all_start_methods()
    if multiprocessing.current_process().daemon or "forkserver" not in methods:
        return 1
    if requested is None:
        env = os.environ.get("CRMHUB_MATCH_PROCESSES", "").strip()
        requested = int(env) if env else min(len(os.sched_getaffinity(0)), MAX_PROCESSES)
    return max(1, requested)


def start_method() -> str:
    """``fork`` where this process runs no other thread that could hold a lock when it forks, else
    ``forkserver``."""
    return "fork" if threading.active_count() == 1 else "forkserver"


@contextmanager
def worker_processes(
    processes: int | None = None, warm_up: Callable[[], object] | None = None
) -> Iterator[int]:
    """A pool of workers for ``map_values`` while the block runs; yields the process count.

    ``warm_up`` (picklable: a module-level function or a ``functools.partial`` of one) runs here
    first (forked workers inherit what it loads; this process maps the short lists itself) and, in
    workers from the fork server, in each as it starts. Nested use keeps the outer pool.
    """
    global _pool, _processes
    count = process_count(processes)
    if _pool is not None or count <= 1:
        yield _processes if _pool is not None else 1
        return
    if warm_up is not None:
        warm_up()
    method = start_method()
    context = multiprocessing.get_context(method)
    context.set_forkserver_preload(PRELOAD)  # heeded only by a fork server not running yet
    pool = context.Pool(count, initializer=None if method == "fork" else warm_up)
    _pool, _processes = pool, count
    try:
        yield count
    finally:
        _pool, _processes = None, 1
        pool.terminate()
        pool.join()


def map_values(func: Callable[[str], T], values: list[str]) -> list[T]:
    """``[func(v) for v in values]``, over the worker pool when one is open and the list is long.

    ``func`` must be picklable by reference (a module-level function or a ``functools.partial`` of
    one) when the pool is used.
    """
    return submit_values((func,), values)()[0]


def submit_values(funcs: Sequence[Callable[[str], T]], values: list[str]) -> Callable[[], list[list[T]]]:
    """``[map_values(f, values) for f in funcs]``, started now, got by calling what this returns.

    Each ``map_values`` is a barrier: the workers wait while this process finds the next column's
    distinct values and broadcasts the last one's results. Submitting every independent list first and
    collecting afterwards keeps the workers busy meanwhile (the pool runs them in submission order).
    The functions of one list go together, a slice of values per task: the values are sent once, and
    a result is a list per function rather than a tuple per value (millions of small tuples cost more
    in garbage collection than the pickling saves). A short list, or one without a pool, is mapped
    here at once.
    """
    if _pool is None or len(values) < MIN_PARALLEL_VALUES:
        mapped = _columns(funcs, values)
        return lambda: mapped
    size = max(1, len(values) // (_processes * 8))
    slices = [values[start : start + size] for start in range(0, len(values), size)]
    pending = _pool.map_async(partial(_columns, funcs), slices, chunksize=1)
    return lambda: _joined(pending.get(), len(funcs))


def _columns(funcs: Sequence[Callable[[str], T]], values: list[str]) -> list[list[T]]:
    """Every function's results over ``values``, one list per function (module level: it goes to the
    workers by reference)."""
    return [[func(value) for value in values] for func in funcs]


def _joined(slices: list[list[list[T]]], count: int) -> list[list[T]]:
    """The ``count`` functions' results over consecutive slices, each function's joined into one list."""
    return [list(chain.from_iterable(part[f] for part in slices)) for f in range(count)]
