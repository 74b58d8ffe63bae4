"""Erasure, the cleaning half: deletes and blanks a person's rows table by table, inside the
transaction :func:`hub.erasure.erase_person` opened on the store's session (finding the person's
footprint stays in :mod:`hub.erasure`)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import polars as pl
from sqlalchemy import delete, or_, select, tuple_, update
from sqlalchemy.orm import Session

from hub.erasure_footprint import Footprint
from hub.models import (
    AuditEntry,
    CrossReference,
    FieldConflict,
    GoldenRecordRow,
    MatchModelRow,
    MatchPairRow,
    MatchPlanCluster,
    MatchPlanPair,
    MatchPlanRow,
    OrderRow,
    OutboxEvent,
    QuarantineRow,
    RunLog,
    SearchKeyRow,
    SourceRecordRow,
    StewardDecisionRow,
)
from hub.store import KEY_CHUNK
from schemas import RecordKey

ERASED = {"erased": True}


# ---- rows of the person alone ------------------------------------------------------------------


def _delete_by_key(session: Session, keys: list[RecordKey]) -> None:
    """Every row keyed by one of the person's source records, in set-based statements."""
    for chunk in _chunks(keys):
        for model, system, source_id in (
            (SourceRecordRow, SourceRecordRow.source_system, SourceRecordRow.source_id),
            (QuarantineRow, QuarantineRow.source_system, QuarantineRow.source_id),
            (CrossReference, CrossReference.source_system, CrossReference.source_id),
            (SearchKeyRow, SearchKeyRow.source_system, SearchKeyRow.source_id),
            (OrderRow, OrderRow.source_system, OrderRow.customer_source_id),
            (MatchPlanRow, MatchPlanRow.source_system, MatchPlanRow.source_id),
            (MatchPlanCluster, MatchPlanCluster.source_system, MatchPlanCluster.source_id),
        ):
            session.execute(delete(model).where(_key_in(system, source_id, chunk)))
        # scored pairs, also those an unfinished (failed, interrupted) run keeps until it is replaced
        for pairs in (MatchPairRow, MatchPlanPair):
            session.execute(
                delete(pairs).where(
                    or_(
                        _key_in(pairs.left_system, pairs.left_id, chunk),
                        _key_in(pairs.right_system, pairs.right_id, chunk),
                    )
                )
            )


def _delete_decisions(session: Session, keys: list[RecordKey], ids: set[str]) -> set[int]:
    """Steward decisions about the person (either side of a pair, or their golden record)."""
    doomed = set(session.scalars(select(StewardDecisionRow.id).where(StewardDecisionRow.golden_id.in_(ids))))
    for chunk in _chunks(keys):
        doomed |= set(
            session.scalars(
                select(StewardDecisionRow.id).where(
                    or_(
                        _key_in(StewardDecisionRow.left_system, StewardDecisionRow.left_id, chunk),
                        _key_in(StewardDecisionRow.right_system, StewardDecisionRow.right_id, chunk),
                    )
                )
            )
        )
    ordered = sorted(doomed)
    for start in range(0, len(ordered), KEY_CHUNK):
        session.execute(
            delete(StewardDecisionRow).where(StewardDecisionRow.id.in_(ordered[start : start + KEY_CHUNK]))
        )
    return doomed


def _blank_audit(session: Session, keys: list[RecordKey], ids: set[str], decisions: set[int]) -> None:
    """The audit keeps every entry's action, actor, time and ids; the values in it go."""
    blank = update(AuditEntry).values(before=ERASED, after=ERASED)
    session.execute(blank.where(AuditEntry.golden_id.in_(ids)))
    for chunk in _chunks(keys):
        session.execute(blank.where(_key_in(AuditEntry.source_system, AuditEntry.source_id, chunk)))
    if decisions:  # a decision's entry is filed under its left record: the person may be its right one
        entries = session.execute(
            select(AuditEntry.id, AuditEntry.after).where(AuditEntry.action.like("decision:%"))
        )
        doomed = [i for i, after in entries if (after or {}).get("decision_id") in decisions]
        for start in range(0, len(doomed), KEY_CHUNK):
            session.execute(blank.where(AuditEntry.id.in_(doomed[start : start + KEY_CHUNK])))


def _erase_golden(session: Session, ids: set[str], survivor: str, now: Any) -> None:
    """Tombstones for the person's golden ids; their change feed is one ``delete`` event."""
    session.execute(delete(FieldConflict).where(FieldConflict.golden_id.in_(ids)))
    session.execute(
        update(GoldenRecordRow)
        .where(GoldenRecordRow.golden_id.in_(ids))
        .values(status="erased", record=ERASED, display_name=None, content_hash="erased", updated_at=now)
    )
    session.execute(delete(OutboxEvent).where(OutboxEvent.golden_id.in_(ids)))
    session.add(OutboxEvent(at=now, change="delete", golden_id=survivor, payload=None))


# ---- rows shared with others -------------------------------------------------------------------


def _clean_shared(session: Session, footprint: Footprint) -> None:
    """Golden records the person once shared with others: their values wiped from the golden row,
    its audit entries, change-feed payloads, conflicts and decisions (a decision whose value was the
    person's is deleted, or it would write "[erased]" into the other customer's record)."""
    values, ids = footprint.values, footprint.shared_ids
    if not ids or not values:
        return
    for row in session.scalars(select(GoldenRecordRow).where(GoldenRecordRow.golden_id.in_(ids))):
        row.record = values.scrub(row.record)
        row.display_name = values.scrub(row.display_name)
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.golden_id.in_(ids))):
        entry.before, entry.after = values.scrub(entry.before), values.scrub(entry.after)
    for event in session.scalars(select(OutboxEvent).where(OutboxEvent.golden_id.in_(ids))):
        event.payload = values.scrub(event.payload)
    keys = {str(k) for k in footprint.keys}
    for conflict in session.scalars(select(FieldConflict).where(FieldConflict.golden_id.in_(ids))):
        kept = [v for v in conflict.values if not (set(v.get("sources", [])) <= keys or values.found_in(v))]
        if len(kept) < 2:
            session.delete(conflict)
        else:
            conflict.values = kept
    for decision in session.scalars(select(StewardDecisionRow).where(StewardDecisionRow.golden_id.in_(ids))):
        if values.found_in(decision.value):
            session.delete(decision)
        else:
            decision.comment = values.scrub(decision.comment)


def _clean_run_log(session: Session, footprint: Footprint) -> None:
    """Failure reasons of the person's pushes and deletes, and any error text quoting their values."""
    ids_by_source: dict[str, set[str]] = {}
    for key in footprint.keys:
        ids_by_source.setdefault(key.source_system, set()).add(key.source_id)
    for row in session.scalars(select(RunLog)):
        stats, error = row.stats or {}, row.error
        mine = ids_by_source.get(row.source or "", set())
        cleaned = _without_keys(stats, mine)
        if footprint.values:
            cleaned = footprint.values.scrub(cleaned)
            error = footprint.values.scrub(error)
        if cleaned != stats or error != row.error:
            row.stats, row.error = cleaned, error


def _without_keys(data: Any, ids: set[str]) -> Any:
    """``data`` without dict entries keyed by one of the person's source ids (``failures`` maps)."""
    if isinstance(data, dict):
        return {k: _without_keys(v, ids) for k, v in data.items() if k not in ids}
    if isinstance(data, list):
        return [_without_keys(v, ids) for v in data]
    return data


def _clean_model(session: Session, features: pl.DataFrame) -> None:
    """Term-frequency tables count the normalised name keys seen at least twice, so a person in two
    systems is in them by name: their records' counts come off, and a key that no longer has two
    records goes (as a rare key would never have been stored)."""
    if not features.height:
        return
    for row in session.scalars(select(MatchModelRow)):
        model = copy.deepcopy(row.model)
        changed = False
        for table in (model.get("term_frequencies") or {}).values():
            counts, column = table.get("counts") or {}, table.get("column")
            if column not in features.columns:
                continue
            for value in features[column].drop_nulls().to_list():
                if value in counts:
                    counts[value] -= 1
                    changed = True
                    if counts[value] < 2:
                        del counts[value]
        if changed:
            row.model = model


def _key_in(system: Any, source_id: Any, keys: list[RecordKey]) -> Any:
    """``(system, source_id) IN keys`` as one set-based condition."""
    return tuple_(system, source_id).in_([tuple(k) for k in keys])


def _chunks(keys: list[RecordKey]) -> Iterable[list[RecordKey]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), KEY_CHUNK):
        yield ordered[start : start + KEY_CHUNK]
