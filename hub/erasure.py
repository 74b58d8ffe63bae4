"""Erasure on request (GDPR art. 17): remove a person from every table of the hub and queue deletes to
the sources (carried out by the publish step, :mod:`hub.source_erasure`).

What stays is what the audit must keep: that an erasure happened, when, by whom, and the ids (golden
id, source system + source id) — no names, contacts or payloads. The erased source keys are kept so
that later pulls refuse the record instead of re-importing the person.

Where the person's data can sit, and how each place is cleaned:

* rows of the person alone, found by key and deleted: source records, search keys, cross-references,
  pairs (also those of an unfinished run's plan, whose explanations hold both records' values),
  quarantined rows, orders, steward decisions (and their audit entries' values), field conflicts;
* the person's golden records — the current one, those merged into it, and earlier ones the person's
  records were moved out of — are blanked to a tombstone; their change-feed events are deleted but for
  one ``delete`` event; their audit entries keep the action and ids with the values blanked;
* rows shared with other customers (a golden record the person was once wrongly merged into, its
  audit and change feed, the run log's failure reasons, a row quarantined before its id was known,
  the matching model's name frequencies) are cleaned value by value (:mod:`hub.erasure_values`);
* the database files: deleted values linger in free pages and in SQLite's write-ahead log, so the
  store is compacted afterwards (:mod:`hub.storage_compaction`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.erasure_cleanup import (
    _blank_audit,
    _chunks,
    _clean_model,
    _clean_run_log,
    _clean_shared,
    _delete_by_key,
    _delete_decisions,
    _erase_golden,
    _key_in,
)
from hub.erasure_footprint import Footprint
from hub.erasure_values import PersonValues
from hub.feature_cache import FeatureCacheRow
from hub.models import (
    AuditEntry,
    CrossReference,
    ErasedKey,
    GoldenRecordRow,
    QuarantineRow,
    SourceRecordRow,
    utcnow,
)
from hub.storage_compaction import CompactionReport, compact_storage
from hub.store import FLAT_COLUMNS, KEY_CHUNK, HubStore, _flat_frame
from hub.store.review_items import refresh_review_items
from schemas import CustomerRecord, GoldenRecord, RecordKey

#: Tables an erasure writes to: compacted afterwards so no old page keeps a deleted value.
TOUCHED_TABLES = (
    "source_records",
    "search_keys",
    "cross_references",
    "match_pairs",
    "review_items",
    "review_item_sources",
    "match_plan",
    "match_plan_pairs",
    "match_feature_cache",
    "quarantine",
    "orders",
    "steward_decisions",
    "field_conflicts",
    "golden_records",
    "outbox",
    "audit_log",
    "run_log",
    "match_models",
    "erased_keys",
)


@dataclass
class ErasureReport:
    golden_ids: list[str]
    source_records: list[RecordKey]
    #: Records of the person found only in the quarantine by e-mail or tax id: erased and queued too.
    quarantined_records: list[RecordKey] = field(default_factory=list)
    storage: CompactionReport | None = None


def erase_person(
    store: HubStore,
    golden_id: str,
    actor: str,
    reason: str = "GDPR art. 17 request",
    compact: bool = True,
) -> ErasureReport:
    """Erase the golden record (following a retired id to its survivor) and every source record in it;
    ``compact``: rewrite the database files afterwards (see :mod:`hub.storage_compaction`)."""
    golden = store.golden.get_golden(golden_id)
    if golden is None:
        raise LookupError(f"no golden record {golden_id}")
    now = utcnow()
    with store.sessions.begin() as session:
        footprint = _footprint(session, golden, golden_id)
        keys = footprint.keys
        found = _quarantined_records(session, footprint)
        _delete_by_key(session, [*keys, *found])
        refresh_review_items(session, footprint.golden_ids)
        decisions = _delete_decisions(session, keys, footprint.golden_ids)
        _blank_audit(session, keys, footprint.golden_ids, decisions)
        _erase_golden(session, footprint.golden_ids, golden.golden_id, now)
        _clean_shared(session, footprint)
        _clean_run_log(session, footprint)
        _clean_model(session, footprint.features)
        # the plan's cached features hold the person's normalised names and contacts, compressed:
        # dropped whole (the next plan normalises every record once more)
        session.execute(delete(FeatureCacheRow))
        for key in [*keys, *found]:
            if session.get(ErasedKey, (key.source_system, key.source_id)) is None:
                session.add(
                    ErasedKey(source_system=key.source_system, source_id=key.source_id, erased_at=now)
                )
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="erase",
                golden_id=golden.golden_id,
                after={
                    "reason": reason,
                    "golden_ids": sorted(footprint.golden_ids),
                    "source_records": [str(k) for k in [*keys, *found]],
                },
            )
        )
    report = ErasureReport(sorted(footprint.golden_ids), keys, found)
    if compact:
        report.storage = compact_storage(store.engine, TOUCHED_TABLES)
    return report


# ---- finding the person ------------------------------------------------------------------------


def _footprint(session: Session, golden: GoldenRecord, asked: str) -> Footprint:
    keys = [
        RecordKey(s, i)
        for s, i in session.execute(
            select(CrossReference.source_system, CrossReference.source_id)
            .where(CrossReference.golden_id == golden.golden_id)
            .order_by(CrossReference.source_system, CrossReference.source_id)
        )
    ]
    ids = _merged_chain(session, {golden.golden_id, asked})
    ids |= _merged_chain(session, _former_golden_ids(session, keys) - ids)
    mine, shared = set(), set()
    records = _records(session, keys)
    goldens = [golden]
    for row in session.scalars(select(GoldenRecordRow).where(GoldenRecordRow.golden_id.in_(ids))):
        refs = (row.record or {}).get("sources", [])
        sources = {(ref.get("source_system"), ref.get("source_id")) for ref in refs}
        if row.golden_id in {golden.golden_id, asked} or sources <= set(keys):
            mine.add(row.golden_id)
            if row.record and "golden_id" in row.record:
                goldens.append(GoldenRecord.from_store(row.record))
        else:
            shared.add(row.golden_id)
    values = PersonValues.of(records.values(), goldens).without(_others_values(session, set(keys)))
    return Footprint(keys, mine, shared, values, _features(session, keys))


def _merged_chain(session: Session, ids: set[str]) -> set[str]:
    """``ids`` and every retired id merged into one of them, however many merges ago."""
    found, frontier = set(ids), set(ids)
    while frontier:
        frontier = (
            set(
                session.scalars(
                    select(GoldenRecordRow.golden_id).where(GoldenRecordRow.merged_into.in_(frontier))
                )
            )
            - found
        )
        found |= frontier
    return found


def _former_golden_ids(session: Session, keys: list[RecordKey]) -> set[str]:
    """Golden records the person's records were moved out of (relink entries of the audit log)."""
    ids: set[str] = set()
    for chunk in _chunks(keys):
        rows = session.execute(
            select(AuditEntry.golden_id, AuditEntry.before).where(
                AuditEntry.action == "relink",
                _key_in(AuditEntry.source_system, AuditEntry.source_id, chunk),
            )
        )
        for golden_id, before in rows:
            ids.add(golden_id)
            if isinstance(before, dict) and before.get("golden_id"):
                ids.add(before["golden_id"])
    return {i for i in ids if i}


def _records(session: Session, keys: list[RecordKey]) -> dict[RecordKey, CustomerRecord]:
    out = {}
    for chunk in _chunks(keys):
        for data in session.scalars(
            select(SourceRecordRow.record).where(
                _key_in(SourceRecordRow.source_system, SourceRecordRow.source_id, chunk)
            )
        ):
            record = CustomerRecord.from_store(data)
            out[record.key] = record
    return out


def _features(session: Session, keys: list[RecordKey]) -> pl.DataFrame:
    from matching.features import build_features
    from matching.frame import conform

    rows = [
        row
        for chunk in _chunks(keys)
        for row in session.execute(
            select(*(getattr(SourceRecordRow, c) for c in FLAT_COLUMNS)).where(
                _key_in(SourceRecordRow.source_system, SourceRecordRow.source_id, chunk)
            )
        )
    ]
    return build_features(conform(_flat_frame(rows)))


def _others_values(session: Session, keys: set[RecordKey]) -> Iterable[str | None]:
    """Every name, contact, street, tax id and birth date other live records hold (one pass)."""
    columns = (
        SourceRecordRow.source_system,
        SourceRecordRow.source_id,
        SourceRecordRow.given_name,
        SourceRecordRow.family_name,
        SourceRecordRow.full_name,
        SourceRecordRow.organization_name,
        SourceRecordRow.email,
        SourceRecordRow.phone,
        SourceRecordRow.street,
        SourceRecordRow.tax_id,
        SourceRecordRow.date_of_birth,
    )
    result = session.execute(select(*columns).execution_options(yield_per=5000))
    for system, source_id, given, family, full, org, email, phone, street, tax, born in result:
        if RecordKey(system, source_id) in keys:
            continue
        yield from (given, family, full, org, street, tax, born.isoformat() if born else None)
        if given and family:
            yield f"{given} {family}"
            yield f"{family} {given}"
        yield from (email or "").split(";")
        yield from (phone or "").split(";")


def _quarantined_records(session: Session, footprint: Footprint) -> list[RecordKey]:
    """Quarantined rows of *other* ids that carry the person's e-mail, phone or tax id: the person's
    records in systems whose row never got past validation. Their rows go, and their keys are erased
    (refused later, deleted at the source) like the person's other records."""
    keys = set(footprint.keys)
    found: set[RecordKey] = set()
    doomed: list[int] = []
    if not footprint.values:
        return []
    for row in session.execute(
        select(
            QuarantineRow.id,
            QuarantineRow.source_system,
            QuarantineRow.source_id,
            QuarantineRow.reason,
            QuarantineRow.payload,
        ).execution_options(yield_per=2000)
    ):
        if (row.source_system, row.source_id) in keys:
            continue
        if footprint.values.mentioned_in(row.payload) or footprint.values.in_text(row.reason or ""):
            doomed.append(row.id)
            if row.source_id and footprint.values.strong_in(row.payload):
                found.add(RecordKey(row.source_system, row.source_id))
    for start in range(0, len(doomed), KEY_CHUNK):
        session.execute(delete(QuarantineRow).where(QuarantineRow.id.in_(doomed[start : start + KEY_CHUNK])))
    # a record with that id that made it into the hub belongs to a golden record of its own: not ours
    linked = {
        key
        for chunk in _chunks(list(found))
        for key in (
            RecordKey(s, i)
            for s, i in session.execute(
                select(CrossReference.source_system, CrossReference.source_id).where(
                    _key_in(CrossReference.source_system, CrossReference.source_id, chunk)
                )
            )
        )
    }
    return sorted(found - linked)
