"""Which records a matching run must look at: everything, or only the candidate components that
contain new, changed, deleted or steward-decided records (incremental matching).

With a frozen model, a pair's score depends only on its two records and clusters only on pairs inside
one candidate component (``matching.candidate_components``), so re-matching just the affected
components gives exactly what a full rebuild would give — the property the tests check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from schemas import RecordKey


@dataclass
class MatchScope:
    frame: pl.DataFrame  # the live records to match
    scope: set[RecordKey] | None  # records whose golden records are rebuilt (None = all)
    components: int = 0  # candidate components re-matched (incremental runs)

    @classmethod
    def nothing(cls) -> MatchScope:
        """Nothing new, changed, deleted or decided since the last run: no record to match."""
        return cls(frame=pl.DataFrame(schema={"source_system": pl.Utf8, "source_id": pl.Utf8}), scope=set())


def _keys(frame: pl.DataFrame) -> list[RecordKey]:
    return [RecordKey(s, i) for s, i in zip(frame["source_system"], frame["source_id"], strict=True)]


def affected_scope(
    frame: pl.DataFrame,
    components: pl.DataFrame,
    dirty: set[RecordKey],
    membership: Mapping[RecordKey, str],
) -> MatchScope:
    """Close ``dirty`` over candidate components and previous golden records, and cut the frame to it.

    A previous golden record that loses a member (deleted, or moved to another component by a change)
    must be rebuilt too, and so must every component its remaining members sit in.
    """
    component_of = {
        RecordKey(s, i): c
        for s, i, c in components.select("source_system", "source_id", "component").iter_rows()
    }
    in_component: dict[int, set[RecordKey]] = defaultdict(set)
    for key, component in component_of.items():
        in_component[component].add(key)
    in_golden: dict[str, set[RecordKey]] = defaultdict(set)
    for key, golden_id in membership.items():
        in_golden[golden_id].add(key)

    affected: set[RecordKey] = set(dirty)
    pending = list(dirty)
    seen_components: set[int] = set()
    seen_golden: set[str] = set()
    while pending:
        key = pending.pop()
        component = component_of.get(key)
        if component is not None and component not in seen_components:
            seen_components.add(component)
            fresh = in_component[component] - affected
            affected |= fresh
            pending.extend(fresh)
        owner = membership.get(key)
        if owner is not None and owner not in seen_golden:
            seen_golden.add(owner)
            fresh = in_golden[owner] - affected
            affected |= fresh
            pending.extend(fresh)
    live = {k for k in affected if k in component_of}
    mask = pl.Series([k in live for k in _keys(frame)], dtype=pl.Boolean)
    return MatchScope(frame=frame.filter(mask), scope=affected, components=len(seen_components))
