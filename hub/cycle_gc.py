"""Python's cyclic garbage collector: paused while the hub builds many objects that live together, and
at a batch pace during a sync's steps.

**Paused.** A golden write (source records, golden records, lineage, rows) and a publish's push state (two
models per record of a source) allocate millions of small objects that live until the step is done;
each allocation burst triggers a collection, and the oldest generation's passes walk every one of
them again: 10.8 of the 28.6 CPU seconds of a 20k full run's golden write, 0.8 of the 1.9 s
``push_state`` took for the ERP's 30k records of a 100k store. None of these objects forms a cycle
that must be freed early (reference counting frees them); cycles left behind are collected once the
collector is back on.

**At a batch pace.** A step allocates millions of short-lived objects -- parsed rows, validated
records, dicts of bind parameters -- and holds hundreds of thousands of long-lived ones (a page of
records, a frame's rows, a slice of golden records). With Python's default first-generation threshold
(700 net allocations) the collector runs thousands of times a step and, now and then, walks every
object the step holds: about 4 % of a 100k sync's CPU (80.9 s instead of 84.6 s end to end, with the
threshold at 50,000 in every process, at a peak within 3 % of the default's). What a step drops
outside reference cycles still goes at once; cycles are collected a little later. The older
generations' thresholds stay, and a caller's own settings come back when the step ends (the hub may
run inside a longer-lived process: an Airflow task, the API).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

#: Net allocations between two collections of the youngest generation during a sync's step.
BATCH_THRESHOLD: Final = 50_000


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """The cyclic collector off for the block. Nested use keeps it off until the outermost user that
    turned it off is done (threads share the switch: another thread's block ending first turns it
    back on early, which costs speed, not results)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pace_for_batch() -> None:
    """Collect the youngest generation every :data:`BATCH_THRESHOLD` allocations (or less often, if
    so set already), for the rest of this process's life: a worker process that only runs steps."""
    youngest, older, oldest = gc.get_threshold()
    gc.set_threshold(max(BATCH_THRESHOLD, youngest), older, oldest)


@contextmanager
def batch_pace() -> Iterator[None]:
    """:func:`pace_for_batch` while the block runs; the thresholds as they were afterwards."""
    before = gc.get_threshold()
    pace_for_batch()
    try:
        yield
    finally:
        gc.set_threshold(*before)
