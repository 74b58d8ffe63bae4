"""The hub store's repository: every read and write of the pipeline goes through :class:`HubStore`.

Each method is one transaction with one job, so that a crash leaves the store consistent: a page of
records and its cursor commit together; a matching result (golden records, cross-references, pairs)
commits as a whole.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from pydantic import ValidationError
from sqlalchemy import delete, func, insert, or_, select, text, tuple_
from sqlalchemy.orm import Session

from hub.db import make_engine, migrate, session_factory
from hub.echoes import is_echo
from hub.models import (
    AuditEntry,
    CrossReference,
    ErasedKey,
    FieldConflict,
    GoldenRecordRow,
    MatchModelRow,
    MatchPairRow,
    MatchPlanPair,
    MatchPlanRow,
    MatchPlanRun,
    OrderRow,
    OutboxEvent,
    QuarantineRow,
    RunLog,
    SearchKeyRow,
    SourceRecordRow,
    StewardDecisionRow,
    SyncCursor,
    utcnow,
)
from schemas import FLAT_COLUMNS as SCHEMA_FLAT_COLUMNS
from schemas import CustomerRecord, GoldenRecord, OrderRecord, QuarantinedRecord, RecordKey, StewardDecision
from schemas.steward import parse_decision

ORDERS_STREAM = "orders"
log = logging.getLogger(__name__)

#: The match columns of a source record: the flat format without ``updated_at``.
FLAT_COLUMNS = tuple(c for c in SCHEMA_FLAT_COLUMNS if c != "updated_at")


#: The hub's own cursors (``sync_cursors``): the search-key index's position in the staging area.
HUB_SOURCE, SEARCH_KEY_STREAM = "_hub", "search-keys"
#: Records whose search keys are computed and written in one transaction.
SEARCH_KEY_CHUNK = 20_000
#: Record keys per set-based statement (``(system, id) IN (...)``), well under every backend's limit
#: of bound parameters.
KEY_CHUNK = 500


def _ids_by_system(keys: Iterable[RecordKey]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key in keys:
        grouped.setdefault(key.source_system, []).append(key.source_id)
    return grouped


def _flat_frame(rows: Sequence[Any]) -> pl.DataFrame:
    """Rows of ``FLAT_COLUMNS`` from SQL -> the matcher's flat frame (every column text)."""
    data = {
        name: [None if v is None else str(v) for v in values]
        for name, values in zip(
            FLAT_COLUMNS, zip(*rows, strict=True) if rows else [()] * len(FLAT_COLUMNS), strict=True
        )
    }
    return pl.DataFrame(data, schema={name: pl.Utf8 for name in FLAT_COLUMNS})


def content_hash(data: Any) -> str:
    """Stable hash of JSON-able data: tells a real change from a re-delivery of the same content."""
    blob = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def record_hash(record: CustomerRecord) -> str:
    return content_hash(record.model_dump(mode="json", exclude={"raw", "updated_at"}))


@dataclass
class StageStats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    erased_skipped: int = 0  # records of people erased on request, refused at the door
    echoes: int = 0  # changed only by what the hub itself pushed there: stored, not re-matched

    def add(self, other: StageStats) -> None:
        for name in ("inserted", "updated", "unchanged", "quarantined", "erased_skipped", "echoes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StoredMatch:
    """What one matching run decided, ready to be written in one transaction.

    ``scope`` limits the write to some source records (a steward decision, an incremental run):
    only golden records that held or now hold those records are touched. ``None`` = everything.
    """

    golden: list[GoldenRecord]
    retired: dict[str, str]  # retired golden id -> surviving golden id
    membership: dict[RecordKey, str]  # source record -> golden id
    pairs: list[dict[str, Any]] | None  # rows for match_pairs (match + review); None = leave pairs alone
    run_id: str | None
    actor: str = "hub"
    split_from: dict[str, str] = field(default_factory=dict)  # new golden id -> id it split from
    conflicts: dict[str, dict[str, list[dict[str, Any]]]] = field(
        default_factory=dict
    )  # golden -> field -> values
    scope: set[RecordKey] | None = None
    decision_version: str | None = None  # the decisions this result honours (see decision_version())
    outbox_head: int | None = None  # the golden records it was computed from (a steward decision's check)


@dataclass
class PairVerdict:
    """A steward's verdict to note on a stored pair (the review queue) when no new pairs replace it."""

    left: RecordKey
    right: RecordKey
    decision: str
    note: str


class StaleDecisionsError(RuntimeError):
    """Steward decisions (or, for a decision's own result, the golden records) changed while a result
    was computed; the caller recomputes with them."""


#: Key of the PostgreSQL advisory lock that serialises golden-record writes with steward decisions.
GOLDEN_WRITE_LOCK = 7_414_620


class HubStore:
    def __init__(self, url: str, *, run_migrations: bool = True):
        if run_migrations:
            migrate(url)
        self.url = url
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # ---- staging -------------------------------------------------------------------------------

    def get_cursor(self, source: str, stream: str = "customers") -> str | None:
        with self.sessions() as session:
            row = session.get(SyncCursor, (source, stream))
            return row.cursor if row else None

    def reset_cursor(self, source: str, stream: str = "customers") -> None:
        with self.sessions.begin() as session:
            row = session.get(SyncCursor, (source, stream))
            if row:
                session.delete(row)

    def stage_page(
        self,
        source: str,
        records: Sequence[CustomerRecord],
        quarantined: Sequence[QuarantinedRecord],
        cursor: str | None,
        run_id: str | None = None,
        stream: str = "customers",
    ) -> StageStats:
        """Store one page and move the source's cursor in the same transaction."""
        stats = StageStats(quarantined=len(quarantined))
        now = utcnow()
        with self.sessions.begin() as session:
            ids = [r.source_id for r in records]
            existing = self._rows_by_key(session, source, ids)
            erased = self._erased(session, source, ids)
            pushed = self._pushed_fields(session, source, ids)
            for record in records:
                if record.source_system != source:
                    raise ValueError(f"record {record.key} delivered by source {source!r}")
                if record.source_id in erased:
                    stats.erased_skipped += 1
                    continue
                digest = record_hash(record)
                row = existing.get(record.source_id)
                if row is None:
                    row = SourceRecordRow(
                        source_system=source, source_id=record.source_id, first_seen_at=now, changed_at=now
                    )
                    session.add(row)
                    existing[record.source_id] = row
                    stats.inserted += 1
                elif row.content_hash == digest and row.deleted == record.deleted:
                    stats.unchanged += 1
                    row.last_run_id = run_id
                    continue
                elif not record.deleted and is_echo(
                    CustomerRecord.model_validate(row.record), record, pushed.get(record.source_id)
                ):
                    stats.echoes += 1  # stored as delivered, but no change for matching
                else:
                    stats.updated += 1
                    row.changed_at = now
                _fill_row(row, record, digest)
                row.last_run_id = run_id
            self._quarantine(session, quarantined, run_id)
            if cursor is not None:
                self._put_cursor(session, source, stream, cursor)
        return stats

    @staticmethod
    def _pushed_fields(session: Session, source: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per source id, the fields the hub last pushed there (``hub.echoes``)."""
        query = select(CrossReference.source_id, CrossReference.pushed_fields).where(
            CrossReference.source_system == source,
            CrossReference.source_id.in_(ids),
            CrossReference.pushed_fields.is_not(None),
        )
        return {source_id: fields for source_id, fields in session.execute(query) if fields}

    @staticmethod
    def _rows_by_key(session: Session, source: str, ids: Sequence[str]) -> dict[str, SourceRecordRow]:
        rows: dict[str, SourceRecordRow] = {}
        for start in range(0, len(ids), 500):  # stay under every database's bound-parameter limit
            chunk = ids[start : start + 500]
            query = select(SourceRecordRow).where(
                SourceRecordRow.source_system == source, SourceRecordRow.source_id.in_(chunk)
            )
            rows.update({row.source_id: row for row in session.scalars(query)})
        return rows

    @staticmethod
    def _erased(session: Session, source: str, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            found.update(
                session.scalars(
                    select(ErasedKey.source_id).where(
                        ErasedKey.source_system == source, ErasedKey.source_id.in_(ids[start : start + 500])
                    )
                )
            )
        return found

    def stage_orders(
        self,
        source: str,
        orders: Sequence[OrderRecord],
        quarantined: Sequence[QuarantinedRecord],
        cursor: str | None,
        run_id: str | None = None,
    ) -> int:
        """Upsert a page of orders and move the orders cursor in the same transaction."""
        with self.sessions.begin() as session:
            for order in orders:
                row = session.get(OrderRow, (source, order.order_id)) or OrderRow(
                    source_system=source, order_id=order.order_id
                )
                row.customer_source_id, row.total, row.currency = (
                    order.customer_source_id,
                    order.total,
                    order.currency,
                )
                row.status, row.ordered_at = order.status, order.ordered_at
                session.add(row)
            self._quarantine(session, quarantined, run_id)
            if cursor is not None:
                self._put_cursor(session, source, ORDERS_STREAM, cursor)
        return len(orders)

    @staticmethod
    def _quarantine(session: Session, quarantined: Sequence[QuarantinedRecord], run_id: str | None) -> None:
        """Keep refused rows with their reason and payload: nothing is dropped silently; a row seen
        before updates its entry (:mod:`hub.quarantine`)."""
        from hub import quarantine

        quarantine.record(session, quarantined, run_id)

    @staticmethod
    def _put_cursor(session: Session, source: str, stream: str, cursor: str) -> None:
        row = session.get(SyncCursor, (source, stream))
        if row is None:
            session.add(SyncCursor(source=source, stream=stream, cursor=cursor, updated_at=utcnow()))
        else:
            row.cursor, row.updated_at = cursor, utcnow()

    # ---- matching input ------------------------------------------------------------------------

    def load_match_frame(self, run_id: str | None = None, shard: int | None = None) -> pl.DataFrame:
        """Live source records as flat columns (the matcher's input), read in one query: all of them,
        or those one shard of a planned run must match."""
        columns = [getattr(SourceRecordRow, name) for name in FLAT_COLUMNS]
        query = select(*columns).where(SourceRecordRow.deleted.is_(False))
        if run_id is not None:
            query = query.join(
                MatchPlanRow,
                (MatchPlanRow.source_system == SourceRecordRow.source_system)
                & (MatchPlanRow.source_id == SourceRecordRow.source_id),
            ).where(MatchPlanRow.run_id == run_id, MatchPlanRow.shard == shard)
        with self.engine.connect() as connection:
            return _flat_frame(connection.execute(query).all())

    def changed_since(self, moment: datetime | None) -> set[RecordKey]:
        """Source records (live or deleted) whose content changed after ``moment`` (all when ``None``)."""
        query = select(SourceRecordRow.source_system, SourceRecordRow.source_id)
        if moment is not None:
            query = query.where(SourceRecordRow.changed_at > moment)
        with self.sessions() as session:
            return {RecordKey(s, i) for s, i in session.execute(query)}

    def refresh_search_keys(self, chunk: int = SEARCH_KEY_CHUNK) -> int:
        """Recompute the search keys (``hub.search_index``) of every record changed since the last
        refresh, in bulk: once per sync, in proportion to what changed (per staged page, the fixed
        cost of the normalisers tripled staging). A deleted record keeps none. Returns the records."""
        from hub.search_index import frame_keys  # the matcher's normalisers, only when needed

        started = utcnow()
        since = self.get_cursor(HUB_SOURCE, stream=SEARCH_KEY_STREAM)
        changed = sorted(self.changed_since(datetime.fromisoformat(since) if since else None))
        for start in range(0, len(changed), chunk):
            part = changed[start : start + chunk]
            by_system = _ids_by_system(part)
            with self.sessions.begin() as session:
                flat = _flat_frame(
                    [
                        row
                        for system, ids in by_system.items()
                        for row in session.execute(
                            select(*(getattr(SourceRecordRow, c) for c in FLAT_COLUMNS)).where(
                                SourceRecordRow.source_system == system,
                                SourceRecordRow.source_id.in_(ids),
                                SourceRecordRow.deleted.is_(False),
                            )
                        )
                    ]
                )
                for system, ids in by_system.items():
                    session.execute(
                        delete(SearchKeyRow).where(
                            SearchKeyRow.source_system == system, SearchKeyRow.source_id.in_(ids)
                        )
                    )
                rows = [
                    {"source_system": key.source_system, "source_id": key.source_id, "key": k}
                    for key, keys in frame_keys(flat).items()
                    for k in sorted(keys)
                ]
                if rows:
                    session.execute(insert(SearchKeyRow), rows)
        self.set_cursor(HUB_SOURCE, started.isoformat(), stream=SEARCH_KEY_STREAM)
        return len(changed)

    def decided_since(self, moment: datetime | None, undone_too: bool = False) -> set[RecordKey]:
        """Source records named in steward decisions taken after ``moment`` (active or undone; with
        ``undone_too`` also those of decisions undone after it)."""
        query = select(
            StewardDecisionRow.left_system,
            StewardDecisionRow.left_id,
            StewardDecisionRow.right_system,
            StewardDecisionRow.right_id,
        )
        if moment is not None:
            after = StewardDecisionRow.decided_at > moment
            if undone_too:
                after = or_(after, StewardDecisionRow.undone_at > moment)
            query = query.where(after)
        with self.sessions() as session:
            return {RecordKey(row[i], row[i + 1]) for row in session.execute(query) for i in (0, 2) if row[i]}

    def save_model(self, model: dict[str, Any], trained_on_records: int) -> int:
        with self.sessions.begin() as session:
            row = MatchModelRow(model=model, trained_on_records=trained_on_records)
            session.add(row)
            session.flush()
            return row.id

    def model(self, model_id: int) -> dict[str, Any]:
        with self.sessions() as session:
            return session.get(MatchModelRow, model_id).model

    # ---- sharded match plans -------------------------------------------------------------------

    def save_plan(self, plan: MatchPlanRun, rows: Sequence[tuple[RecordKey, int]]) -> None:
        """Store a run's plan (replacing an earlier attempt of the same run): each record and its shard."""
        with self.sessions.begin() as session:
            self._drop_plan(session, plan.run_id)
            session.add(plan)
            session.flush()
            for start in range(0, len(rows), 5000):
                session.execute(
                    MatchPlanRow.__table__.insert(),
                    [
                        {
                            "run_id": plan.run_id,
                            "source_system": k.source_system,
                            "source_id": k.source_id,
                            "shard": shard,
                        }
                        for k, shard in rows[start : start + 5000]
                    ],
                )

    def plan(self, run_id: str) -> MatchPlanRun | None:
        with self.sessions() as session:
            return session.get(MatchPlanRun, run_id)

    def save_shard(
        self, run_id: str, shard: int, clusters: dict[RecordKey, str], pairs: Sequence[dict[str, Any]]
    ) -> None:
        """One shard's clusters and pairs; a retried shard replaces what an earlier attempt wrote."""
        table = MatchPlanRow.__table__
        with self.sessions.begin() as session:
            session.execute(
                MatchPlanPair.__table__.delete().where(
                    MatchPlanPair.run_id == run_id, MatchPlanPair.shard == shard
                )
            )
            for key, label in clusters.items():
                session.execute(
                    table.update()
                    .where(
                        table.c.run_id == run_id,
                        table.c.source_system == key.source_system,
                        table.c.source_id == key.source_id,
                    )
                    .values(cluster=label)
                )
            for start in range(0, len(pairs), 5000):
                session.execute(
                    MatchPlanPair.__table__.insert(),
                    [
                        {"run_id": run_id, "shard": shard, "pair": _jsonable(p)}
                        for p in pairs[start : start + 5000]
                    ],
                )

    def plan_results(
        self, run_id: str
    ) -> tuple[dict[str, list[RecordKey]], set[RecordKey], list[dict], list[int]]:
        """(cluster label -> members, every planned key, pairs, shards that did not report) of a run."""
        clusters: dict[str, list[RecordKey]] = {}
        keys: set[RecordKey] = set()
        missing: set[int] = set()
        with self.sessions() as session:
            for row in session.scalars(select(MatchPlanRow).where(MatchPlanRow.run_id == run_id)):
                key = RecordKey(row.source_system, row.source_id)
                keys.add(key)
                if row.shard >= 0 and row.cluster is None:
                    missing.add(row.shard)
                elif row.cluster is not None:
                    clusters.setdefault(row.cluster, []).append(key)
            pairs = list(session.scalars(select(MatchPlanPair.pair).where(MatchPlanPair.run_id == run_id)))
        return clusters, keys, pairs, sorted(missing)

    def drop_plan(self, run_id: str) -> None:
        with self.sessions.begin() as session:
            self._drop_plan(session, run_id)

    @staticmethod
    def _drop_plan(session: Session, run_id: str) -> None:
        for model in (MatchPlanRow, MatchPlanPair, MatchPlanRun):
            session.execute(model.__table__.delete().where(model.__table__.c.run_id == run_id))

    def active_model_id(self) -> int | None:
        with self.sessions() as session:
            return session.scalar(select(func.max(MatchModelRow.id)))

    def active_model(self) -> dict[str, Any] | None:
        with self.sessions() as session:
            return session.scalar(select(MatchModelRow.model).order_by(MatchModelRow.id.desc()).limit(1))

    def load_records(self, keys: Iterable[RecordKey] | None = None) -> dict[RecordKey, CustomerRecord]:
        """Live records as canonical models: all, or only ``keys`` (looked up by key, in chunks: an
        incremental run needs a few thousand of a million)."""
        live = SourceRecordRow.deleted.is_(False)
        if keys is None:
            queries = [select(SourceRecordRow.record).where(live)]
        else:
            wanted = sorted(set(keys))
            queries = [
                select(SourceRecordRow.record).where(
                    live,
                    tuple_(SourceRecordRow.source_system, SourceRecordRow.source_id).in_(
                        [tuple(k) for k in wanted[start : start + KEY_CHUNK]]
                    ),
                )
                for start in range(0, len(wanted), KEY_CHUNK)
            ]
        out: dict[RecordKey, CustomerRecord] = {}
        with self.sessions() as session:
            for query in queries:
                for data in session.scalars(query):
                    record = CustomerRecord.model_validate(data)
                    out[record.key] = record
        return out

    def membership(self) -> dict[RecordKey, str]:
        with self.sessions() as session:
            rows = session.execute(
                select(CrossReference.source_system, CrossReference.source_id, CrossReference.golden_id)
            )
            return {RecordKey(s, i): g for s, i, g in rows}

    def golden_ids(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(select(GoldenRecordRow.golden_id)))

    def active_decisions(self, excluding: int | None = None) -> list[StewardDecision]:
        """Every active decision in the order taken (``excluding`` one being undone). A stored row that
        is no valid decision (written before decisions were typed) is left out with a warning rather
        than failing every later match."""
        query = select(StewardDecisionRow).where(StewardDecisionRow.active.is_(True))
        if excluding is not None:
            query = query.where(StewardDecisionRow.id != excluding)
        with self.sessions() as session:
            rows = session.scalars(query.order_by(StewardDecisionRow.id))
            return [d for d in map(_decision_model, rows) if d is not None]

    # ---- matching output -----------------------------------------------------------------------

    def save_match(self, result: StoredMatch) -> dict[str, int]:
        """Write golden records, retirements, cross-references, pairs, conflicts, the audit trail and
        the outbox of one run (or one scoped change) atomically."""
        with self.sessions.begin() as session:
            self._serialize(session)
            self._check_fresh(session, result)
            return self._write_match(session, result)

    def _check_fresh(self, session: Session, result: StoredMatch) -> None:
        if result.decision_version is not None and self._decision_version(session) != result.decision_version:
            raise StaleDecisionsError("steward decisions changed while this result was computed")
        if result.outbox_head is not None and (
            (session.scalar(select(func.max(OutboxEvent.seq))) or 0) != result.outbox_head
        ):
            raise StaleDecisionsError("golden records changed while this result was computed")

    def _write_match(self, session: Session, result: StoredMatch) -> dict[str, int]:
        now = utcnow()
        counts = {"golden_created": 0, "golden_updated": 0, "golden_retired": 0, "links_changed": 0}
        scope = result.scope
        links = {RecordKey(x.source_system, x.source_id): x for x in session.scalars(select(CrossReference))}
        if scope is None:
            touched_ids = set(
                session.scalars(select(GoldenRecordRow.golden_id).where(GoldenRecordRow.status == "active"))
            )
        else:
            touched_ids = {links[k].golden_id for k in scope if k in links}
        touched_ids |= {g.golden_id for g in result.golden}
        current = (
            {
                row.golden_id: row
                for row in session.scalars(
                    select(GoldenRecordRow).where(GoldenRecordRow.golden_id.in_(touched_ids))
                )
            }
            if touched_ids
            else {}
        )
        audit, outbox = _Trail(session, result.actor, result.run_id, now), []
        for golden in result.golden:
            data = golden.model_dump(mode="json")
            digest = content_hash({k: v for k, v in data.items() if k != "lineage"})
            row = current.get(golden.golden_id)
            if row is None:
                session.add(
                    GoldenRecordRow(
                        golden_id=golden.golden_id,
                        record=data,
                        content_hash=digest,
                        display_name=golden.display_name,
                        created_at=now,
                        updated_at=now,
                    )
                )
                counts["golden_created"] += 1
                origin = result.split_from.get(golden.golden_id)
                outbox.append(("split" if origin else "create", golden.golden_id, origin, data))
                audit.add("split" if origin else "create", golden.golden_id, None, data, related=origin)
            elif row.content_hash != digest or row.status != "active":
                audit.add("update", golden.golden_id, row.record, data)
                row.record, row.content_hash, row.display_name = data, digest, golden.display_name
                row.status, row.merged_into = "active", None
                row.version += 1
                row.updated_at = now
                counts["golden_updated"] += 1
                outbox.append(("update", golden.golden_id, None, data))
            elif row.record.get("lineage") != data["lineage"]:
                # same values, other provenance (a steward pinned the value survivorship chose):
                # keep the lineage true without telling consumers about a change they cannot see
                row.record = data
        live = {g.golden_id for g in result.golden}
        for golden_id, row in current.items():
            if golden_id not in live and row.status == "active":
                survivor = result.retired.get(golden_id)
                row.status, row.merged_into = "retired", survivor
                row.updated_at, row.version = now, row.version + 1
                counts["golden_retired"] += 1
                outbox.append(
                    (
                        "merge" if survivor else "delete",
                        survivor or golden_id,
                        golden_id if survivor else None,
                        None,
                    )
                )
                audit.add(
                    "merge" if survivor else "delete",
                    golden_id,
                    row.record,
                    {"merged_into": survivor},
                    related=survivor,
                )
        for key, golden_id in result.membership.items():
            link = links.pop(key, None)
            if link is None:
                session.add(
                    CrossReference(
                        source_system=key.source_system,
                        source_id=key.source_id,
                        golden_id=golden_id,
                        linked_at=now,
                    )
                )
                counts["links_changed"] += 1
            elif link.golden_id != golden_id:
                audit.add(
                    "relink", golden_id, {"golden_id": link.golden_id}, {"golden_id": golden_id}, key=key
                )
                link.golden_id, link.linked_at = golden_id, now
                counts["links_changed"] += 1
        for key, stale in links.items():  # records deleted at the source (within the scope)
            if scope is None or key in scope:
                session.delete(stale)
        self._replace_pairs(session, result, now)
        self._replace_conflicts(session, result, touched_ids, now)
        for change, golden_id, related, payload in outbox:
            session.add(
                OutboxEvent(
                    at=now,
                    change=change,
                    golden_id=golden_id,
                    related_id=related,
                    run_id=result.run_id,
                    payload=payload,
                )
            )
        return counts

    @staticmethod
    def _replace_pairs(session: Session, result: StoredMatch, now: datetime) -> None:
        if result.pairs is None:  # a steward decision: the pairs keep their scores and the queue stays
            return
        table = MatchPairRow.__table__
        if result.scope is None:
            session.execute(table.delete())
        else:  # set-based: one statement per chunk of records, not one per record
            scope = sorted(result.scope)
            for start in range(0, len(scope), KEY_CHUNK):
                keys = [tuple(k) for k in scope[start : start + KEY_CHUNK]]
                session.execute(
                    table.delete().where(
                        tuple_(table.c.left_system, table.c.left_id).in_(keys)
                        | tuple_(table.c.right_system, table.c.right_id).in_(keys)
                    )
                )
        if result.pairs:
            session.execute(
                table.insert(),
                [{**pair, "run_id": result.run_id, "updated_at": now} for pair in result.pairs],
            )

    @staticmethod
    def _replace_conflicts(session: Session, result: StoredMatch, touched: set[str], now: datetime) -> None:
        if touched:
            session.execute(FieldConflict.__table__.delete().where(FieldConflict.golden_id.in_(touched)))
        for golden_id, fields in result.conflicts.items():
            for name, values in fields.items():
                session.add(
                    FieldConflict(
                        golden_id=golden_id,
                        field=name,
                        values=_jsonable(values),
                        status="open",
                        updated_at=now,
                    )
                )

    # ---- publish -------------------------------------------------------------------------------

    def push_state(
        self, source: str, golden_ids: set[str] | None = None
    ) -> list[tuple[CustomerRecord, GoldenRecord, str | None]]:
        """Records of ``source`` to consider for push-back, with their golden record and the hash of
        what was last pushed: those of ``golden_ids`` (all when ``None``) and any never pushed."""
        query = (
            select(SourceRecordRow.record, GoldenRecordRow.record, CrossReference.pushed_hash)
            .join(
                CrossReference,
                (CrossReference.source_system == SourceRecordRow.source_system)
                & (CrossReference.source_id == SourceRecordRow.source_id),
            )
            .join(GoldenRecordRow, GoldenRecordRow.golden_id == CrossReference.golden_id)
            .where(SourceRecordRow.source_system == source, SourceRecordRow.deleted.is_(False))
            .order_by(SourceRecordRow.source_id)
        )
        with self.sessions() as session:
            return [
                (CustomerRecord.model_validate(r), GoldenRecord.model_validate(g), h)
                for r, g, h in session.execute(query)
                if golden_ids is None or h is None or g["golden_id"] in golden_ids
            ]

    def mark_pushed(
        self,
        source: str,
        hashes: dict[str, str | None],
        actor: str = "hub",
        fields: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Remember what was pushed (``None``: the push failed, try again next time) and audit it;
        ``fields``: per source id the field values written, whose echo is no change (``hub.echoes``)."""
        now = utcnow()
        fields = fields or {}
        with self.sessions.begin() as session:
            for source_id, digest in hashes.items():
                link = session.get(CrossReference, (source, source_id))
                if link is None:
                    continue
                link.pushed_hash, link.pushed_at = digest, now if digest else link.pushed_at
                if digest and source_id in fields:
                    link.pushed_fields = _jsonable(dict(fields[source_id]))
                if digest:
                    session.add(
                        AuditEntry(
                            at=now,
                            actor=actor,
                            action="push",
                            golden_id=link.golden_id,
                            source_system=source,
                            source_id=source_id,
                        )
                    )

    # ---- outbox --------------------------------------------------------------------------------

    def outbox_head(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.max(OutboxEvent.seq))) or 0

    def changes_since(self, after: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Outbox events after sequence number ``after``, oldest first (the change feed)."""
        query = select(OutboxEvent).where(OutboxEvent.seq > after).order_by(OutboxEvent.seq)
        if limit:
            query = query.limit(limit)
        with self.sessions() as session:
            return [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "change": e.change,
                    "golden_id": e.golden_id,
                    "related_id": e.related_id,
                    "run_id": e.run_id,
                    "payload": e.payload,
                }
                for e in session.scalars(query)
            ]

    def golden_ids_changed_since(self, after: int) -> set[str]:
        with self.sessions() as session:
            rows = session.execute(
                select(OutboxEvent.golden_id, OutboxEvent.related_id).where(OutboxEvent.seq > after)
            )
            return {g for row in rows for g in row if g}

    def set_cursor(self, source: str, cursor: str, stream: str) -> None:
        with self.sessions.begin() as session:
            self._put_cursor(session, source, stream, cursor)

    # ---- steward decisions ---------------------------------------------------------------------

    def add_decision(self, decision: StewardDecision, before: dict[str, Any] | None = None) -> int:
        """Store a steward decision that changes no golden record by itself (see ``save_decision``)."""
        return self.save_decision(decision, before=before)

    def save_decision(
        self,
        decision: StewardDecision,
        *,
        before: dict[str, Any] | None = None,
        golden_ids: Sequence[str] = (),
        match: StoredMatch | None = None,
        verdict: PairVerdict | None = None,
    ) -> int:
        """Store a steward decision, audited, together with its effect in one transaction: the golden
        records it changes (``match``) or the verdict on its stored pair. Nothing is stored if any part
        fails (``StaleDecisionsError`` when decisions or golden records changed since ``match`` was
        computed). ``before`` is the state it changes (for undo); ``golden_ids`` where its records are
        now (the history)."""
        data = decision.model_dump(mode="json")
        left, right = getattr(decision, "left", None), getattr(decision, "right", None)
        with self.sessions.begin() as session:
            self._serialize(session)
            if match is not None:
                self._check_fresh(session, match)
            row = StewardDecisionRow(
                kind=decision.kind.value,
                left_system=left.source_system if left else None,
                left_id=left.source_id if left else None,
                right_system=right.source_system if right else None,
                right_id=right.source_id if right else None,
                golden_id=getattr(decision, "golden_id", None),
                field=getattr(decision, "field", None),
                value={"value": data["value"]} if "value" in data else None,
                user=decision.user,
                comment=decision.comment,
                decided_at=decision.decided_at,
                golden_ids=sorted(golden_ids),
            )
            session.add(row)
            session.flush()
            session.add(
                AuditEntry(
                    actor=decision.user,
                    action=f"decision:{decision.kind.value}",
                    golden_id=row.golden_id,
                    source_system=row.left_system,
                    source_id=row.left_id,
                    before=_jsonable(before),
                    after={"decision_id": row.id, **data},
                )
            )
            self._apply_effect(session, match, verdict)
            return row.id

    def undo_decision(
        self,
        decision_id: int,
        user: str,
        *,
        match: StoredMatch | None = None,
        verdict: PairVerdict | None = None,
    ) -> None:
        """Take a decision back, together with its effect (as ``save_decision``, in one transaction)."""
        with self.sessions.begin() as session:
            self._serialize(session)
            if match is not None:
                self._check_fresh(session, match)
            row = session.get(StewardDecisionRow, decision_id)
            if row is None or not row.active:
                raise StaleDecisionsError(f"decision {decision_id} is no longer active")
            row.active, row.undone_by, row.undone_at = False, user, utcnow()
            session.add(
                AuditEntry(
                    actor=user,
                    action="undo",
                    golden_id=row.golden_id,
                    source_system=row.left_system,
                    source_id=row.left_id,
                    after={"decision_id": decision_id, "kind": row.kind},
                )
            )
            self._apply_effect(session, match, verdict)

    def _apply_effect(self, session: Session, match: StoredMatch | None, verdict: PairVerdict | None) -> None:
        if match is not None:
            self._write_match(session, match)
        if verdict is not None:
            self._set_pair_decision(session, verdict)

    @staticmethod
    def _serialize(session: Session) -> None:
        """On PostgreSQL, golden-record writes and steward decisions take turns (transaction lock)."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GOLDEN_WRITE_LOCK})

    @staticmethod
    def _decision_version(session: Session) -> str:
        newest = session.scalar(select(func.max(StewardDecisionRow.id))) or 0
        undone = (
            session.scalar(
                select(func.count())
                .select_from(StewardDecisionRow)
                .where(StewardDecisionRow.active.is_(False))
            )
            or 0
        )
        return f"{newest}:{undone}"

    def decision_version(self) -> str:
        """Changes whenever a decision is taken or undone (checked again when a result is written)."""
        with self.sessions() as session:
            return self._decision_version(session)

    def last_decision(self, user: str) -> tuple[int, StewardDecision, dict[str, Any] | None] | None:
        """The user's latest active decision with the state it replaced (from its audit entry)."""
        with self.sessions() as session:
            row = session.scalar(
                select(StewardDecisionRow)
                .where(StewardDecisionRow.user == user, StewardDecisionRow.active.is_(True))
                .order_by(StewardDecisionRow.id.desc())
                .limit(1)
            )
            if row is None:
                return None
            entries = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == f"decision:{row.kind}", AuditEntry.actor == user)
                .order_by(AuditEntry.id.desc())
            )
            before = next((e.before for e in entries if (e.after or {}).get("decision_id") == row.id), None)
            return row.id, _decision_model(row), before

    def members(self, golden_id: str) -> list[RecordKey]:
        with self.sessions() as session:
            rows = session.execute(
                select(CrossReference.source_system, CrossReference.source_id)
                .where(CrossReference.golden_id == golden_id)
                .order_by(CrossReference.source_system, CrossReference.source_id)
            )
            return [RecordKey(s, i) for s, i in rows]

    def golden_id_of(self, key: RecordKey) -> str | None:
        with self.sessions() as session:
            link = session.get(CrossReference, (key.source_system, key.source_id))
            return link.golden_id if link else None

    @staticmethod
    def _set_pair_decision(session: Session, verdict: PairVerdict) -> None:
        """Note a steward's verdict on a stored pair (either order), if the pair is stored."""
        table = MatchPairRow.__table__
        for a, b in ((verdict.left, verdict.right), (verdict.right, verdict.left)):
            where = (
                (table.c.left_system == a.source_system)
                & (table.c.left_id == a.source_id)
                & (table.c.right_system == b.source_system)
                & (table.c.right_id == b.source_id)
            )
            row = session.execute(select(table.c.id, table.c.explanation).where(where)).first()
            if row is not None:
                explanation = [
                    *(row.explanation or []),
                    {"field": "rule", "level": verdict.note, "weight": 0.0},
                ]
                session.execute(
                    table.update()
                    .where(table.c.id == row.id)
                    .values(decision=verdict.decision, explanation=explanation, updated_at=utcnow())
                )
                return

    # ---- run log and reading -------------------------------------------------------------------

    def start_step(self, run_id: str, step: str, source: str | None = None) -> int:
        with self.sessions.begin() as session:
            row = RunLog(run_id=run_id, step=step, source=source, stats={})
            session.add(row)
            session.flush()
            return row.id

    def finish_step(self, step_id: int, stats: dict[str, Any], error: str | None = None) -> None:
        with self.sessions.begin() as session:
            row = session.get(RunLog, step_id)
            row.status = "failed" if error else "success"
            row.stats, row.error, row.finished_at = _jsonable(stats), error, utcnow()

    def run_steps(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """The run log of one run (default: the latest run), in the order the steps started."""
        with self.sessions() as session:
            if run_id is None:
                run_id = session.scalar(select(RunLog.run_id).order_by(RunLog.id.desc()).limit(1))
            rows = session.scalars(select(RunLog).where(RunLog.run_id == run_id).order_by(RunLog.id))
            return [
                {
                    "run_id": r.run_id,
                    "step": r.step,
                    "source": r.source,
                    "status": r.status,
                    "stats": r.stats,
                    "error": r.error,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                }
                for r in rows
            ]

    def get_golden(self, golden_id: str) -> GoldenRecord | None:
        """The golden record, following retired ids to their survivor."""
        with self.sessions() as session:
            seen: set[str] = set()
            while golden_id not in seen:
                seen.add(golden_id)
                row = session.get(GoldenRecordRow, golden_id)
                if row is None or row.status == "erased":
                    return None
                if row.status == "active" or not row.merged_into:
                    return GoldenRecord.model_validate(row.record)
                golden_id = row.merged_into
            return None

    def counts(self) -> dict[str, Any]:
        with self.sessions() as session:

            def count(model: Any, *where: Any) -> int:
                return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

            per_source = dict(
                session.execute(
                    select(SourceRecordRow.source_system, func.count()).group_by(
                        SourceRecordRow.source_system
                    )
                ).all()
            )
            decisions = dict(
                session.execute(
                    select(MatchPairRow.decision, func.count()).group_by(MatchPairRow.decision)
                ).all()
            )
            return {
                "source_records": per_source,
                "golden_active": count(GoldenRecordRow, GoldenRecordRow.status == "active"),
                "golden_retired": count(GoldenRecordRow, GoldenRecordRow.status == "retired"),
                "pairs": decisions,
                "quarantined": count(QuarantineRow),
            }

    def quarantine(self, source: str | None = None) -> list[QuarantinedRecord]:
        query = select(QuarantineRow).order_by(QuarantineRow.id)
        if source:
            query = query.where(QuarantineRow.source_system == source)
        with self.sessions() as session:
            return [
                QuarantinedRecord(
                    source_system=r.source_system, source_id=r.source_id, reason=r.reason, payload=r.payload
                )
                for r in session.scalars(query)
            ]


class _Trail:
    """Appends audit entries for one transaction."""

    def __init__(self, session: Session, actor: str, run_id: str | None, at: datetime):
        self.session, self.at = session, at
        self.actor = actor if actor != "hub" or not run_id else f"run:{run_id}"

    def add(
        self,
        action: str,
        golden_id: str | None,
        before: Any,
        after: Any,
        related: str | None = None,
        key: RecordKey | None = None,
    ) -> None:
        if related:
            after = {**(after or {}), "related_id": related}
        self.session.add(
            AuditEntry(
                at=self.at,
                actor=self.actor,
                action=action,
                golden_id=golden_id,
                source_system=key.source_system if key else None,
                source_id=key.source_id if key else None,
                before=_jsonable(before),
                after=_jsonable(after),
            )
        )


def _fill_row(row: SourceRecordRow, record: CustomerRecord, digest: str) -> None:
    address = record.addresses[0] if record.addresses else None
    row.record_type = record.record_type
    row.given_name, row.family_name = record.given_name, record.family_name
    row.full_name, row.organization_name = record.full_name, record.organization_name
    row.email = ";".join(record.emails) or None
    row.phone = ";".join(record.phones) or None
    row.street = address.street if address else None
    row.postal_code = address.postal_code if address else None
    row.city = address.city if address else None
    row.country = record.country or (address.country if address else None)
    row.date_of_birth, row.tax_id = record.date_of_birth, record.tax_id
    row.source_updated_at, row.deleted = record.updated_at, record.deleted
    row.record = record.model_dump(mode="json")
    row.content_hash = digest


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _decision_model(row: StewardDecisionRow) -> StewardDecision | None:
    """The typed decision of a stored row (``None``, with a warning, for a row that is none)."""
    data: dict[str, Any] = {
        "kind": row.kind,
        "user": row.user,
        "comment": row.comment,
        "decided_at": row.decided_at,
    }
    if row.left_system and row.left_id:
        data["left"] = RecordKey(row.left_system, row.left_id)
    if row.right_system and row.right_id:
        data["right"] = RecordKey(row.right_system, row.right_id)
    if row.kind in ("field_override", "unmerge") and row.golden_id:
        data["golden_id"] = row.golden_id
    if row.kind == "field_override":
        data["field"], data["value"] = row.field, (row.value or {}).get("value")
    try:
        return parse_decision(data)
    except ValidationError as exc:
        log.warning("steward decision %s is not a valid decision and is ignored: %s", row.id, exc)
        return None
