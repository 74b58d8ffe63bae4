"""Staging: source records and orders as delivered, the sources' cursors, quarantine, and the
matcher's input read from the staging area."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from hub.echoes import is_echo
from hub.models import (
    CrossReference,
    ErasedKey,
    MatchPlanRow,
    OrderRow,
    QuarantineRow,
    SearchKeyRow,
    SourceRecordRow,
    SyncCursor,
    utcnow,
)
from hub.store.common import (
    FLAT_COLUMNS,
    HUB_SOURCE,
    KEY_CHUNK,
    ORDERS_STREAM,
    SEARCH_KEY_CHUNK,
    SEARCH_KEY_STREAM,
    Repository,
    StageStats,
    _flat_frame,
    _ids_by_system,
    record_hash,
)
from hub.store.quarantine_rows import record as record_quarantined
from schemas import CustomerRecord, OrderRecord, QuarantinedRecord, RecordKey


class StagingRepository(Repository):
    """Pages of records and orders, each committed with its cursor in one transaction, so a crash
    never loses or repeats a page."""

    def get_cursor(self, source: str, stream: str = "customers") -> str | None:
        with self.sessions() as session:
            row = session.get(SyncCursor, (source, stream))
            return row.cursor if row else None

    def reset_cursor(self, source: str, stream: str = "customers") -> None:
        with self.sessions.begin() as session:
            row = session.get(SyncCursor, (source, stream))
            if row:
                session.delete(row)

    def set_cursor(self, source: str, cursor: str, stream: str) -> None:
        with self.sessions.begin() as session:
            self._put_cursor(session, source, stream, cursor)

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
        before updates its entry (:mod:`hub.store.quarantine_rows`)."""
        record_quarantined(session, quarantined, run_id)

    @staticmethod
    def _put_cursor(session: Session, source: str, stream: str, cursor: str) -> None:
        row = session.get(SyncCursor, (source, stream))
        if row is None:
            session.add(SyncCursor(source=source, stream=stream, cursor=cursor, updated_at=utcnow()))
        else:
            row.cursor, row.updated_at = cursor, utcnow()

    def load_match_frame(self, run_id: str | None = None, shard: int | None = None) -> pl.DataFrame:
        """Live source records as flat columns (the matcher's input), read in one query: all of them,
        or those one shard of a planned run must match. Sorted by key: the matcher's clusters depend on
        row order (sampling, tie-breaks), and insertion order varies when sources are extracted in
        parallel (Celery workers), so unsorted two runs over the same data could differ."""
        columns = [getattr(SourceRecordRow, name) for name in FLAT_COLUMNS]
        query = select(*columns).where(SourceRecordRow.deleted.is_(False))
        if run_id is not None:
            query = query.join(
                MatchPlanRow,
                (MatchPlanRow.source_system == SourceRecordRow.source_system)
                & (MatchPlanRow.source_id == SourceRecordRow.source_id),
            ).where(MatchPlanRow.run_id == run_id, MatchPlanRow.shard == shard)
        with self.engine.connect() as connection:
            frame = _flat_frame(connection.execute(query).all())
        return frame.sort("source_system", "source_id")  # in polars: the same order on every backend

    def live_count(self) -> int:
        """How many live (not deleted) source records the store holds."""
        with self.sessions() as session:
            live = SourceRecordRow.deleted.is_(False)
            return int(session.scalar(select(func.count()).select_from(SourceRecordRow).where(live)) or 0)

    def changed_since(self, moment: datetime | None) -> set[RecordKey]:
        """Source records (live or deleted) whose content changed after ``moment`` (all when ``None``)."""
        query = select(SourceRecordRow.source_system, SourceRecordRow.source_id)
        if moment is not None:
            query = query.where(SourceRecordRow.changed_at > moment)
        with self.sessions() as session:
            return {RecordKey(s, i) for s, i in session.execute(query)}

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
