"""Staging: source records and orders as delivered, the sources' cursors, quarantine, and the
matcher's input read from the staging area."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import polars as pl
from sqlalchemy import Index, delete, func, select
from sqlalchemy.orm import Session

from hub.models import (
    MatchPlanRow,
    QuarantineRow,
    SearchKeyRow,
    SourceRecordRow,
    SyncCursor,
    core_table,
    utcnow,
)
from hub.store.bulk_rows import insert_frame
from hub.store.common import (
    CUSTOMERS_STREAM,
    FLAT_COLUMNS,
    HUB_SOURCE,
    KEY_COLUMNS,
    ORDERS_STREAM,
    SEARCH_KEY_CHUNK,
    SEARCH_KEY_STREAM,
    Repository,
    StageStats,
    _flat_frame,
    _ids_by_system,
    key_chunks,
    key_frame,
    keys_in,
    rows_of,
)
from hub.store.quarantine_rows import record as record_quarantined
from hub.store.staging_writes import write_orders, write_records
from schemas import CustomerRecord, OrderRecord, QuarantinedRecord, RecordKey

#: The search index's index on ``key`` (what a look-up by one key reads).
_KEY_INDEX: Index = next(i for i in core_table(SearchKeyRow).indexes if i.name == "ix_search_keys_key")


def _search_keys(
    session: Session, part: Sequence[RecordKey], known: tuple[pl.DataFrame, pl.DataFrame] | None
) -> pl.DataFrame:
    """The ``search_keys`` rows of the live records among ``part``: from ``known`` (frame, features)
    for those it holds, read and normalised here for the rest (none, when the frame is of every live
    record)."""
    from hub.search_index import feature_key_frame  # the matcher's normalisers, only when needed

    found: list[pl.DataFrame] = []
    missing = set(part)
    if known is not None:
        frame, features = known
        rows = rows_of(frame, key_frame(part))
        if len(rows):
            found.append(feature_key_frame(frame[rows], features[rows]))
            missing -= {RecordKey(s, i) for s, i in frame[rows].select(KEY_COLUMNS).iter_rows()}
    if missing:
        flat = _flat_frame(
            [
                row
                for system, ids in _ids_by_system(sorted(missing)).items()
                for row in session.execute(
                    select(*(getattr(SourceRecordRow, c) for c in FLAT_COLUMNS)).where(
                        SourceRecordRow.source_system == system,
                        SourceRecordRow.source_id.in_(ids),
                        SourceRecordRow.deleted.is_(False),
                    )
                )
            ]
        )
        if flat.height:
            found.append(feature_key_frame(flat))
    return pl.concat(found).sort(pl.all()) if found else pl.DataFrame()


class StagingRepository(Repository):
    """Pages of records and orders, each committed with its cursor in one transaction, so a crash
    never loses or repeats a page."""

    def get_cursor(self, source: str, stream: str = CUSTOMERS_STREAM) -> str | None:
        with self.sessions() as session:
            row = session.get(SyncCursor, (source, stream))
            return row.cursor if row else None

    def reset_cursor(self, source: str, stream: str = CUSTOMERS_STREAM) -> None:
        with self.sessions.begin() as session:
            row = session.get(SyncCursor, (source, stream))
            if row:
                session.delete(row)

    def set_cursor(self, source: str, cursor: str, stream: str) -> None:
        with self.sessions.begin() as session:
            self.put_cursor(session, source, stream, cursor)

    def stage_page(
        self,
        source: str,
        records: Sequence[CustomerRecord],
        quarantined: Sequence[QuarantinedRecord],
        cursor: str | None,
        run_id: str | None = None,
        stream: str = CUSTOMERS_STREAM,
        row_digests: Mapping[str, str] | None = None,
    ) -> StageStats:
        """Store one page and move the source's cursor in the same transaction (set-based:
        :mod:`hub.store.staging_writes`); ``row_digests``: the digests of the rows the records were
        mapped from (:mod:`hub.row_digests`), stored with them."""
        with self.sessions.begin() as session:
            stats = write_records(session, source, records, run_id, utcnow(), row_digests)
            stats.quarantined = len(quarantined)
            self._quarantine(session, quarantined, run_id)
            if cursor is not None:
                self.put_cursor(session, source, stream, cursor)
        return stats

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
            write_orders(session, source, orders)
            self._quarantine(session, quarantined, run_id)
            if cursor is not None:
                self.put_cursor(session, source, ORDERS_STREAM, cursor)
        return len(orders)

    @staticmethod
    def _quarantine(session: Session, quarantined: Sequence[QuarantinedRecord], run_id: str | None) -> None:
        """Keep refused rows with their reason and payload: nothing is dropped silently; a row seen
        before updates its entry (:mod:`hub.store.quarantine_rows`)."""
        record_quarantined(session, quarantined, run_id)

    @staticmethod
    def put_cursor(session: Session, source: str, stream: str, cursor: str) -> None:
        """A stream's cursor, in the caller's transaction (it moves with what was stored)."""
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

    def load_records(
        self, keys: Iterable[RecordKey] | None = None, *, raw: bool = True
    ) -> dict[RecordKey, CustomerRecord]:
        """Live records as canonical models: all, or only ``keys`` (looked up by key, in chunks: an
        incremental run needs a few thousand of a million). The chunks name their keys per system
        (``keys_in``): SQLite scans the whole table for each chunk of a row-value ``IN``, which made a
        full run's read quadratic (at 100k, 200 scans of 100k rows). Only the ``record`` column is
        read, through a Core connection: the ORM's session and result wrapping were a third of the
        read's cost in a full run's golden-record build, for the same decoded JSON values. Without
        ``raw`` the payloads as delivered are left out (``raw`` empty): the golden-record build reads
        none, and validating them was half of reading a record."""
        table = core_table(SourceRecordRow)
        live = table.c.deleted.is_(False)
        if keys is None:
            queries = [select(table.c.record).where(live)]
        else:
            queries = [
                select(table.c.record).where(live, keys_in(table.c.source_system, table.c.source_id, chunk))
                for chunk in key_chunks(sorted(set(keys)))
            ]
        out: dict[RecordKey, CustomerRecord] = {}
        with self.engine.connect() as connection:
            for query in queries:
                for data in connection.scalars(query):
                    if not raw:
                        data.pop("raw", None)
                    record = CustomerRecord.from_store(data)
                    out[record.key] = record
        return out

    def refresh_search_keys(
        self,
        chunk: int = SEARCH_KEY_CHUNK,
        known: tuple[pl.DataFrame, pl.DataFrame] | None = None,
        as_of: datetime | None = None,
    ) -> int:
        """Recompute the search keys (``hub.search_index``) of every record changed since the last
        refresh, in bulk: once per sync, in proportion to what changed (per staged page, the fixed
        cost of the normalisers tripled staging). A deleted record keeps none. Returns the records.

        ``known``: (flat frame, its ``match_features``) the caller read and normalised at ``as_of``
        or later: the records it holds are keyed from their features instead of being read and
        normalised again; the next refresh starts from ``as_of``."""
        started = as_of or utcnow()
        since = self.get_cursor(HUB_SOURCE, stream=SEARCH_KEY_STREAM)
        changed = sorted(self.changed_since(datetime.fromisoformat(since) if since else None))
        with self._key_index_built_after(filling=bool(changed)):
            for start in range(0, len(changed), chunk):
                part = changed[start : start + chunk]
                with self.sessions.begin() as session:
                    rows = _search_keys(session, part, known)
                    for system, ids in _ids_by_system(part).items():
                        session.execute(
                            delete(SearchKeyRow).where(
                                SearchKeyRow.source_system == system, SearchKeyRow.source_id.in_(ids)
                            )
                        )
                    # straight to the driver (``bulk_rows``): a handful of short strings per record
                    insert_frame(session, core_table(SearchKeyRow), rows)
        self.set_cursor(HUB_SOURCE, started.isoformat(), stream=SEARCH_KEY_STREAM)
        return len(changed)

    @contextmanager
    def _key_index_built_after(self, filling: bool) -> Iterator[None]:
        """Fill an empty search index without its index on ``key``, built once the keys are in: a
        first sync's half a million keys went in 3.85 s with the index kept up row by row, 2.54 s
        this way (SQLite, 100k records). A refresh that found the index missing (one interrupted
        here) builds it first; one that adds keys to stored ones keeps it."""
        index = _KEY_INDEX
        with self.sessions.begin() as session:
            connection = session.connection()
            index.create(connection, checkfirst=True)
            built_after = filling and session.scalar(select(SearchKeyRow.key).limit(1)) is None
            if built_after:
                index.drop(connection)
        try:
            yield
        finally:
            if built_after:
                with self.sessions.begin() as session:
                    index.create(session.connection(), checkfirst=True)

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
