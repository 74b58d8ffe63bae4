"""One pipeline step's run-log entry, kept by a context manager instead of try/finish/re-raise per step.

The entry is finished exactly once: with the stats the step set when its block ends normally, or
with whatever stats it had reached and the error when the block raises (the error is re-raised).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hub.store import HubStore


@dataclass
class RunStep:
    """The open run-log entry; a step assigns ``stats`` as it goes (partial stats survive a failure)."""

    step_id: int
    stats: dict[str, Any] = field(default_factory=dict)


@contextmanager
def run_step(store: HubStore, step_id: int) -> Iterator[RunStep]:
    step = RunStep(step_id)
    try:
        yield step
    except Exception as exc:
        store.runlog.finish_step(step_id, step.stats, error=f"{type(exc).__name__}: {exc}")
        raise
    store.runlog.finish_step(step_id, step.stats)
