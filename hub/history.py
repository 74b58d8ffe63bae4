"""The history of a golden record as a steward reads it: what happened, who did it and why, naming
source records by system, id and name — not the audit log's internal keys.

Steward decisions come from their own rows (their comment, and whether they were undone) and are found
through the records they name, so a "not the same" shows on both golden records it concerns; every
other change comes from the audit log of the golden record's ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from hub.models import AuditEntry, SourceRecordRow, StewardDecisionRow
from schemas import RecordKey
from schemas.field_labels import field_label

#: What an audit action means, in the words of the page.
_ACTIONS = {
    "create": "created",
    "update": "values changed",
    "merge": "merged into",
    "split": "split off from",
    "relink": "source record moved here",
    "delete": "deleted (no source record left)",
    "push": "golden id pushed to",
    "erase": "erased on request",
}
_DECISIONS = {
    "same": "decided: same customer",
    "not_same": "decided: not the same customer",
    "unmerge": "decided: take out of this golden record",
    "field_override": "decided: field value",
}
#: Audit entries of decisions; the decision rows tell them better (comment, undone).
_DECISION_ACTIONS = ("undo", *(f"decision:{k}" for k in _DECISIONS))


@dataclass
class NamedRecord:
    key: str  # "system:id"
    name: str | None  # the source record's display name (None once erased or gone)


@dataclass
class HistoryEntry:
    at: datetime | None
    actor: str
    what: str
    kind: str  # the audit action or decision kind, for styling and scripts
    records: list[NamedRecord] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)  # changed fields, a chosen value, a related golden id
    comment: str | None = None
    undone: str | None = None  # "by <user>" when a decision was taken back


def golden_history(
    session: Session, golden_ids: set[str], members: set[RecordKey], limit: int = 200
) -> list[HistoryEntry]:
    """Newest first: the audit trail of ``golden_ids`` and the decisions naming them or ``members``."""
    audit = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.golden_id.in_(golden_ids), AuditEntry.action.not_in(_DECISION_ACTIONS))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    decisions = _decisions(session, golden_ids, members, limit)
    keys = {RecordKey(e.source_system, e.source_id) for e in audit if e.source_system and e.source_id}
    keys |= {k for d in decisions for k in _named(d)}
    names = _names(session, keys)
    entries = [_audit_entry(e, names) for e in audit] + [_decision_entry(d, names) for d in decisions]
    entries.sort(key=lambda e: e.at.timestamp() if e.at else 0.0, reverse=True)
    return entries[:limit]


def _decisions(
    session: Session, golden_ids: set[str], members: set[RecordKey], limit: int
) -> list[StewardDecisionRow]:
    pairs = [tuple(k) for k in sorted(members)][:500]
    named = [StewardDecisionRow.golden_id.in_(golden_ids)]
    if pairs:
        named += [
            tuple_(StewardDecisionRow.left_system, StewardDecisionRow.left_id).in_(pairs),
            tuple_(StewardDecisionRow.right_system, StewardDecisionRow.right_id).in_(pairs),
        ]
    query = select(StewardDecisionRow).where(or_(*named)).order_by(StewardDecisionRow.id.desc()).limit(limit)
    return list(session.scalars(query))


def _named(row: StewardDecisionRow) -> list[RecordKey]:
    return [
        RecordKey(system, source_id)
        for system, source_id in ((row.left_system, row.left_id), (row.right_system, row.right_id))
        if system and source_id
    ]


def _names(session: Session, keys: Iterable[RecordKey]) -> dict[RecordKey, str | None]:
    wanted = sorted(set(keys))
    out: dict[RecordKey, str | None] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(
                SourceRecordRow.source_system,
                SourceRecordRow.source_id,
                SourceRecordRow.organization_name,
                SourceRecordRow.full_name,
                SourceRecordRow.given_name,
                SourceRecordRow.family_name,
            ).where(
                tuple_(SourceRecordRow.source_system, SourceRecordRow.source_id).in_(
                    [tuple(k) for k in wanted[start : start + 500]]
                )
            )
        )
        for system, source_id, organization, full, given, family in rows:
            name = organization or full or " ".join(p for p in (given, family) if p)
            out[RecordKey(system, source_id)] = name or None
    return out


def _named_records(keys: Iterable[RecordKey], names: dict[RecordKey, str | None]) -> list[NamedRecord]:
    return [NamedRecord(str(k), names.get(k)) for k in keys]


def _audit_entry(entry: AuditEntry, names: dict[RecordKey, str | None]) -> HistoryEntry:
    after = entry.after if isinstance(entry.after, dict) else {}
    key = RecordKey(entry.source_system, entry.source_id) if entry.source_system and entry.source_id else None
    what, detail = _ACTIONS.get(entry.action, entry.action), []
    if entry.action in ("create", "update"):
        detail = _changed_fields(entry.before, entry.after)
    elif entry.action in ("merge", "split") and after.get("related_id"):
        detail = [str(after["related_id"])]
    elif entry.action == "relink" and isinstance(entry.before, dict) and entry.before.get("golden_id"):
        detail = [f"from {entry.before['golden_id']}"]
    elif entry.action == "push" and entry.source_system:
        what = f"{what} {entry.source_system}"
    return HistoryEntry(
        at=entry.at,
        actor=entry.actor,
        what=what,
        kind=entry.action,
        records=_named_records([key] if key else [], names),
        detail=detail,
    )


def _decision_entry(row: StewardDecisionRow, names: dict[RecordKey, str | None]) -> HistoryEntry:
    detail: list[str] = []
    if row.kind == "field_override":
        detail = [f"{field_label(row.field or '')} = {_shown((row.value or {}).get('value'))}"]
    if row.golden_ids:
        detail.append("now in " + ", ".join(row.golden_ids))
    return HistoryEntry(
        at=row.decided_at,
        actor=row.user,
        what=_DECISIONS.get(row.kind, row.kind),
        kind=row.kind,
        records=_named_records(_named(row), names),
        detail=detail,
        comment=row.comment,
        undone=None if row.active else f"by {row.undone_by or 'a steward'}",
    )


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):  # an address
        return ", ".join(str(v) for v in value.values() if v)
    return str(value)


def _changed_fields(before: Any, after: Any) -> list[str]:
    """Which fields of the golden record a change touched, by their labels (the page shows what changed
    in a steward's words, not whole records or attribute names)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    hidden = {"lineage", "sources", "golden_id", "updated_at"}
    changed = sorted(k for k in set(before) | set(after) if k not in hidden and before.get(k) != after.get(k))
    return [field_label(k) for k in changed]
