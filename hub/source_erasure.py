"""Carry the erasures queued by :func:`hub.erasure.erase_person` out at one source system.

Called by the publish step of every source (and by ``crmhub erase`` right after the hub forgot the
person). Every erasure not yet done is tried again each time, so a source that was down, or a system
whose connector gained a delete, catches up by itself. The outcome per record lands in the erasure
queue; the stats returned go into the run log and the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from connectors.base import ErasureUnsupportedError, SourceConnector
from hub.erasure_queue import DONE, FAILED, UNSUPPORTED, ErasureQueue
from schemas import SourceConfig

#: Reasons kept per publish step in the run log (the erasure queue keeps every one).
MAX_REASONS = 20


def push_back_off(source: SourceConfig) -> str:
    return (
        f"{source.name}: push_back is off, so the hub writes nothing to this system; erase the person "
        "there by hand (or turn push_back on)"
    )


def carry_out_deletes(
    queue: ErasureQueue, source: SourceConfig, connector: SourceConnector | None
) -> dict[str, Any]:
    """Erase at ``source`` every record whose erasure there is not done; ``{}`` when there is none."""
    waiting = queue.waiting_ids(source.name)
    if not waiting:
        return {}
    if connector is None or not source.push_back:
        return _unsupported(queue, source.name, waiting, push_back_off(source))
    try:
        result = connector.delete(waiting)
    except ErasureUnsupportedError as exc:
        return _unsupported(queue, source.name, waiting, str(exc))
    except Exception as exc:  # noqa: BLE001 - the source failed as a whole: every erasure waits, with why
        reason = f"{type(exc).__name__}: {exc}"
        queue.record(source.name, dict.fromkeys(waiting, (FAILED, reason)))
        return {"done": 0, "failed": len(waiting), "failures": dict.fromkeys(waiting[:MAX_REASONS], reason)}
    outcome: dict[str, tuple[str, str | None]] = {sid: (DONE, None) for sid in result.pushed}
    outcome.update({sid: (FAILED, reason) for sid, reason in result.failed.items()})
    queue.record(source.name, outcome)
    return {
        "done": len(result.pushed),
        "failed": len(result.failed),
        "failures": dict(list(result.failed.items())[:MAX_REASONS]),
    }


def _unsupported(queue: ErasureQueue, source: str, waiting: list[str], reason: str) -> dict[str, Any]:
    queue.record(source, dict.fromkeys(waiting, (UNSUPPORTED, reason)))
    return {"done": 0, "pending": len(waiting), "reason": reason}


def carry_out_everywhere(
    queue: ErasureQueue,
    sources: Iterable[SourceConfig],
    connector_of: Callable[[SourceConfig], SourceConnector],
) -> dict[str, dict[str, Any]]:
    """:func:`carry_out_deletes` at every source now (``crmhub erase``), without waiting for a sync;
    a source that cannot even be reached keeps its erasures waiting, with the reason."""
    outcome: dict[str, dict[str, Any]] = {}
    for source in sources:
        if not queue.waiting_ids(source.name):
            continue
        try:
            connector = connector_of(source) if source.push_back else None
        except Exception as exc:  # noqa: BLE001 - a misconfigured source must not stop the others
            reason = f"{type(exc).__name__}: {exc}"
            waiting = queue.waiting_ids(source.name)
            queue.record(source.name, dict.fromkeys(waiting, (FAILED, reason)))
            outcome[source.name] = {"done": 0, "failed": len(waiting), "failures": {"*": reason}}
            continue
        outcome[source.name] = carry_out_deletes(queue, source, connector)
    return outcome
