"""Erasure on request (GDPR art. 17): remove a person from the hub and queue deletes to the sources.

What stays is what the audit must keep: that an erasure happened, when, by whom, and the ids (golden
id, source system + source id) — no names, contacts or payloads. The erased source keys are kept so
that later pulls refuse the record instead of re-importing the person.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update

from hub.models import (
    AuditEntry,
    CrossReference,
    ErasedKey,
    FieldConflict,
    GoldenRecordRow,
    MatchPairRow,
    OutboxEvent,
    QuarantineRow,
    SearchKeyRow,
    SourceRecordRow,
    StewardDecisionRow,
    utcnow,
)
from hub.store import HubStore
from schemas import RecordKey

ERASED = {"erased": True}


@dataclass
class ErasureReport:
    golden_ids: list[str]
    source_records: list[RecordKey]


def erase_person(
    store: HubStore, golden_id: str, actor: str, reason: str = "GDPR art. 17 request"
) -> ErasureReport:
    """Erase the golden record (following a retired id to its survivor) and every source record in it."""
    golden = store.get_golden(golden_id)
    if golden is None:
        raise LookupError(f"no golden record {golden_id}")
    keys = store.members(golden.golden_id)
    now = utcnow()
    with store.sessions.begin() as session:
        ids = {golden.golden_id} | set(
            session.scalars(
                select(GoldenRecordRow.golden_id).where(GoldenRecordRow.merged_into == golden.golden_id)
            )
        )
        ids.add(golden_id)
        for key in keys:
            of_key = (SourceRecordRow.source_system == key.source_system) & (
                SourceRecordRow.source_id == key.source_id
            )
            session.execute(delete(SourceRecordRow).where(of_key))
            session.execute(
                delete(QuarantineRow).where(
                    QuarantineRow.source_system == key.source_system, QuarantineRow.source_id == key.source_id
                )
            )
            session.execute(
                delete(CrossReference).where(
                    CrossReference.source_system == key.source_system,
                    CrossReference.source_id == key.source_id,
                )
            )
            session.execute(
                delete(SearchKeyRow).where(
                    SearchKeyRow.source_system == key.source_system, SearchKeyRow.source_id == key.source_id
                )
            )
            session.execute(
                delete(MatchPairRow).where(
                    or_(
                        (MatchPairRow.left_system == key.source_system)
                        & (MatchPairRow.left_id == key.source_id),
                        (MatchPairRow.right_system == key.source_system)
                        & (MatchPairRow.right_id == key.source_id),
                    )
                )
            )
            session.execute(
                delete(StewardDecisionRow).where(
                    or_(
                        (StewardDecisionRow.left_system == key.source_system)
                        & (StewardDecisionRow.left_id == key.source_id),
                        (StewardDecisionRow.right_system == key.source_system)
                        & (StewardDecisionRow.right_id == key.source_id),
                    )
                )
            )
            session.execute(
                update(AuditEntry)
                .where(AuditEntry.source_system == key.source_system, AuditEntry.source_id == key.source_id)
                .values(before=ERASED, after=ERASED)
            )
            if session.get(ErasedKey, (key.source_system, key.source_id)) is None:
                session.add(
                    ErasedKey(source_system=key.source_system, source_id=key.source_id, erased_at=now)
                )
        session.execute(delete(StewardDecisionRow).where(StewardDecisionRow.golden_id.in_(ids)))
        session.execute(delete(FieldConflict).where(FieldConflict.golden_id.in_(ids)))
        session.execute(
            update(GoldenRecordRow)
            .where(GoldenRecordRow.golden_id.in_(ids))
            .values(status="erased", record=ERASED, display_name=None, content_hash="erased", updated_at=now)
        )
        session.execute(
            update(AuditEntry).where(AuditEntry.golden_id.in_(ids)).values(before=ERASED, after=ERASED)
        )
        session.execute(update(OutboxEvent).where(OutboxEvent.golden_id.in_(ids)).values(payload=None))
        session.add(OutboxEvent(at=now, change="delete", golden_id=golden.golden_id, payload=None))
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="erase",
                golden_id=golden.golden_id,
                after={"reason": reason, "golden_ids": sorted(ids), "source_records": [str(k) for k in keys]},
            )
        )
    return ErasureReport(golden_ids=sorted(ids), source_records=keys)
