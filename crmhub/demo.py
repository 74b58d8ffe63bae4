"""Evidence for the demo that push-back landed: one merged customer, read back from every system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crmhub.demo_part import demo_module
from hub.store import HubStore
from schemas import RecordKey


def _contains(value: Any, needle: str) -> bool:
    return needle in json.dumps(value, ensure_ascii=False, default=str)


def pushback_evidence(store: HubStore, data_dir: Path) -> str:
    """Pick the golden record spanning the most systems and read each of its source records back."""
    system_class = demo_module("run").system_class

    membership = store.golden.membership()
    by_golden: dict[str, list[RecordKey]] = {}
    for key, golden_id in membership.items():
        by_golden.setdefault(golden_id, []).append(key)
    if not by_golden:
        return "No golden records yet."
    golden_id = max(
        sorted(by_golden), key=lambda g: (len({k.source_system for k in by_golden[g]}), len(by_golden[g]))
    )
    golden = store.golden.get_golden(golden_id)
    if golden is None:  # membership read a moment ago: only a concurrent erasure removes it
        return f"Golden record {golden_id} is gone."
    lines = [
        f"One customer across systems: golden record {golden_id} — {golden.display_name}",
        f"  e-mails {golden.emails}, phones {golden.phones}, tax id {golden.tax_id or '-'}",
        "  read back from each source system after push-back:",
    ]
    systems: dict[str, Any] = {}
    for key in sorted(by_golden[golden_id]):
        if key.source_system not in systems:
            systems[key.source_system] = system_class(key.source_system)(data_dir / key.source_system)
        record = systems[key.source_system].inspect(key.source_id)
        landed = "golden id present" if record and _contains(record, golden_id) else "golden id NOT present"
        lines.append(
            f"    {key.source_system:<10} {key.source_id:<12} {landed}: "
            f"{json.dumps(record, ensure_ascii=False, default=str)[:160]}"
        )
    return "\n".join(lines)
