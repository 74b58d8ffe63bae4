"""Python's cyclic garbage collector paused while the hub builds many objects that live together.

A golden write (source records, golden records, lineage, rows) and a publish's push state (two
models per record of a source) allocate millions of small objects that live until the step is done;
each allocation burst triggers a collection, and the oldest generation's passes walk every one of
them again: 10.8 of the 28.6 CPU seconds of a 20k full run's golden write, 0.8 of the 1.9 s
``push_state`` took for the ERP's 30k records of a 100k store. None of these objects forms a cycle
that must be freed early (reference counting frees them); cycles left behind are collected once the
collector is back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
