"""Golden records from clusters: stable ids across runs and field-level survivorship with lineage.

Ids: a cluster keeps the golden id most of its members already had (ties: the older id, i.e. the
smaller one); the other ids it absorbs are retired and point to it. A new cluster's id is derived
from its smallest member key, so a full rebuild on the same data gives the same ids.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from schemas import Address, CustomerRecord, FieldLineage, GoldenRecord, RecordKey, SourceRef

SCALAR_FIELDS = ("record_type", "given_name", "family_name", "full_name", "organization_name", "country",
                 "date_of_birth", "tax_id")
LIST_FIELDS = ("emails", "phones", "addresses")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_golden_id(members: Sequence[RecordKey], taken: set[str]) -> str:
    seed = min(str(k) for k in members)
    digest = hashlib.sha256(seed.encode()).hexdigest()
    candidate, n = f"G-{digest[:12]}", 1
    while candidate in taken:
        candidate, n = f"G-{digest[:12]}-{n}", n + 1
    return candidate


def assign_golden_ids(
    clusters: Mapping[Any, Sequence[RecordKey]], previous: Mapping[RecordKey, str], existing: set[str]
) -> tuple[dict[Any, str], dict[str, str]]:
    """Map each cluster to a golden id; return (cluster -> id, retired id -> surviving id)."""
    claims: list[tuple[int, str, Any]] = []
    for cluster, members in clusters.items():
        for golden_id, votes in Counter(previous[k] for k in members if k in previous).items():
            claims.append((-votes, golden_id, cluster))
    assigned: dict[Any, str] = {}
    used: set[str] = set()
    # Strongest claims first: a split keeps the id with the part holding most of its old members.
    for _votes, golden_id, cluster in sorted(claims, key=lambda c: (c[0], c[1], str(c[2]))):
        if cluster not in assigned and golden_id not in used:
            assigned[cluster] = golden_id
            used.add(golden_id)
    taken = set(existing) | used
    for cluster, members in sorted(clusters.items(), key=lambda item: min(str(k) for k in item[1])):
        if cluster not in assigned:
            assigned[cluster] = new_golden_id(members, taken)
            taken.add(assigned[cluster])
    retired: dict[str, str] = {}
    for cluster, members in clusters.items():
        for key in members:
            old = previous.get(key)
            if old and old not in used and old not in retired:
                retired[old] = assigned[cluster]
    return assigned, retired


def build_golden(
    golden_id: str,
    records: Sequence[CustomerRecord],
    trust: Mapping[str, int],
    overrides: Mapping[str, Any] | None = None,
) -> GoldenRecord:
    """Survivorship: per field the value of the most trusted source, then the most recent record.

    Lists (e-mails, phones, addresses) keep every distinct value, the survivor's first. A steward's
    override beats every source. Each field's lineage records the rule and the values it beat.
    """
    ranked = sorted(records, key=lambda r: (trust.get(r.source_system, 100),
                                            -(r.updated_at or _EPOCH).timestamp(), str(r.key)))
    data: dict[str, Any] = {}
    lineage: dict[str, FieldLineage] = {}
    overrides = overrides or {}
    for field in SCALAR_FIELDS:
        candidates = [(r, getattr(r, field)) for r in ranked if getattr(r, field) not in (None, "")]
        if field in overrides:
            data[field] = overrides[field]
            lineage[field] = FieldLineage(field=field, value=overrides[field], source=None,
                                          rule="steward_override", competing=_competing(candidates, None))
        elif candidates:
            winner, value = candidates[0]
            data[field] = value
            lineage[field] = FieldLineage(field=field, value=_plain(value), source=_ref(winner),
                                          rule="source_trust_then_recency",
                                          competing=_competing(candidates[1:], value))
    for field in LIST_FIELDS:
        values: dict[Any, CustomerRecord] = {}
        for record in ranked:
            for value in getattr(record, field):
                if isinstance(value, Address) and value.is_empty():
                    continue
                values.setdefault(value, record)
        data[field] = list(values)
        if values:
            first_value, first_record = next(iter(values.items()))
            lineage[field] = FieldLineage(field=field, value=_plain(first_value), source=_ref(first_record),
                                          rule="union_primary_from_most_trusted",
                                          competing=[{"value": _plain(v), "source": str(r.key)}
                                                     for v, r in list(values.items())[1:]])
    data["updated_at"] = max((r.updated_at for r in records if r.updated_at), default=None)
    return GoldenRecord(golden_id=golden_id, sources=sorted((_ref(r) for r in records),
                                                            key=lambda s: (s.source_system, s.source_id)),
                        lineage=lineage, **data)


def _ref(record: CustomerRecord) -> SourceRef:
    return SourceRef(source_system=record.source_system, source_id=record.source_id)


def _plain(value: Any) -> Any:
    if isinstance(value, Address):
        return value.model_dump()
    return value.isoformat() if hasattr(value, "isoformat") else value


def _competing(candidates: Sequence[tuple[CustomerRecord, Any]], winner: Any) -> list[dict[str, Any]]:
    return [{"value": _plain(v), "source": str(r.key)} for r, v in candidates if v != winner]
