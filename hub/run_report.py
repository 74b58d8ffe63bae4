"""What a sync run did and what went wrong in it, in lines a person reads (the CLI's summary, the
run's failure message in Airflow): from the steps' results in process, or from the run log afterwards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SyncSummary:
    run_id: str
    extracted: dict[str, dict[str, Any]] = field(default_factory=dict)
    matched: dict[str, Any] = field(default_factory=dict)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # "extract:erp" -> error

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def problems(self) -> list[str]:
        """What went wrong, one line each: a failed step, or a source whose pushes failed (a sync with
        failed pushes has failed too, though every other record was written)."""
        lines = [f"{where}: {error}" for where, error in self.failed.items()]
        for name, stats in self.published.items():
            lines += publish_problems(f"publish:{name}", stats)
        return lines


class RunFailedError(RuntimeError):
    """A run in which an extract or a publish failed: raised after every source did its work."""


def run_problems(steps: list[dict[str, Any]]) -> list[str]:
    """What failed in a run, from its run log: the last try of each step (a retry that succeeded
    clears the failure before it), and publishes whose pushes failed."""
    last: dict[tuple[str, str | None], dict[str, Any]] = {}
    for step in steps:
        last[(step["step"], step["source"])] = step
    problems = []
    for (name, source), step in last.items():
        where = f"{name}:{source}" if source else name
        if step["status"] == "failed":
            problems.append(f"{where}: {step['error']}")
        elif name == "publish":
            problems += publish_problems(where, step["stats"] or {})
    return problems


def publish_problems(where: str, stats: dict[str, Any]) -> list[str]:
    """Failed pushes and failed erasures of one publish step. An erasure the system cannot carry out
    is no failure of the run (it waits for a person, shown as pending); one it refused is."""
    lines = []
    if stats.get("failed"):
        reasons = "; ".join(list(stats.get("failures", {}).values())[:3])
        lines.append(f"{where}: {stats['failed']} push(es) failed: {reasons}")
    deletes = stats.get("deleted") or {}
    if deletes.get("failed"):
        reasons = "; ".join(list(deletes.get("failures", {}).values())[:3])
        lines.append(f"{where}: {deletes['failed']} erasure(s) failed at the source: {reasons}")
    return lines
