"""One staged page written set-based: a few statements per page, not one ORM object per record.

A page of records is compared with what is stored by key, content hash and deleted flag only (the
stored JSON is read just for the few changed records whose echo must be judged), then written with
one bulk INSERT, one bulk UPDATE per kind of change and one UPDATE for the re-delivered unchanged
rows. Per-record ORM objects cost a third of a 20k extract (a flush per ``session.get``, a JSON
decode of every stored record); the rows written are the same as the per-row code wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from hub.echoes import is_echo
from hub.models import CrossReference, ErasedKey, OrderRow, SourceRecordRow, core_table
from hub.store.bulk_rows import execute_rows
from hub.store.common import StageStats, dumped_record_hash, key_chunks
from matching.frame import flat_values
from schemas import CustomerRecord, OrderRecord


@dataclass
class _Stored:
    """What a page needs to know of a stored row (or of one written earlier in the same page)."""

    content_hash: str
    deleted: bool
    pending: dict[str, Any] | None = None  # the values this page writes, when it writes the row


def insert_rows(
    session: Session, model: type[SourceRecordRow] | type[OrderRow], rows: list[dict[str, Any]]
) -> None:
    """One executemany INSERT of ``rows`` (every row has the same keys, ``None`` values included),
    straight to the driver (``hub.store.bulk_rows``).

    Not the ORM's bulk insert: that walks every row and column once more to collect its parameters
    (a fifth of the insert's CPU at 25k records), and left a ``None`` value out of its row's column
    list unless told ``render_nulls``, so that nearly every row became its own INSERT. Not Core's
    executemany either: it builds a dict of bind parameters per row and runs every value through its
    type's processor in Python. The rows stored are the same: none of these columns has a default
    that an omitted value would have taken, and the processors are the column types' own."""
    execute_rows(session, core_table(model).insert(), rows)


def _any_of(model: type[SourceRecordRow] | type[ErasedKey], source: str) -> Select[str]:
    """One key of ``source`` in ``model``'s table, if there is any (a seek on its primary key)."""
    return select(model.source_id).where(model.source_system == source).limit(1)


def _stored(session: Session, source: str, ids: Sequence[str]) -> dict[str, _Stored]:
    found: dict[str, _Stored] = {}
    if session.scalar(_any_of(SourceRecordRow, source)) is None:
        return found  # the source's first records (a first sync): one look, not one per chunk
    for chunk in key_chunks(ids):
        query = select(
            SourceRecordRow.source_id, SourceRecordRow.content_hash, SourceRecordRow.deleted
        ).where(SourceRecordRow.source_system == source, SourceRecordRow.source_id.in_(chunk))
        found.update({i: _Stored(h, d) for i, h, d in session.execute(query)})
    return found


def _erased(session: Session, source: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    if session.scalar(_any_of(ErasedKey, source)) is None:
        return found  # nobody of this source was erased: one look, not one per chunk of the page
    for chunk in key_chunks(ids):
        query = select(ErasedKey.source_id).where(
            ErasedKey.source_system == source, ErasedKey.source_id.in_(chunk)
        )
        found.update(session.scalars(query))
    return found


def _pushed_fields(session: Session, source: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per source id, the fields the hub last pushed there (``hub.echoes``)."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in key_chunks(ids):
        query = select(CrossReference.source_id, CrossReference.pushed_fields).where(
            CrossReference.source_system == source,
            CrossReference.source_id.in_(chunk),
            CrossReference.pushed_fields.is_not(None),
        )
        out.update({source_id: fields for source_id, fields in session.execute(query) if fields})
    return out


def _stored_records(session: Session, source: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for chunk in key_chunks(ids):
        query = select(SourceRecordRow.source_id, SourceRecordRow.record).where(
            SourceRecordRow.source_system == source, SourceRecordRow.source_id.in_(chunk)
        )
        out.update({source_id: record for source_id, record in session.execute(query)})
    return out


def row_values(record: CustomerRecord, run_id: str | None) -> dict[str, Any]:
    """The columns of a source record's row: the flat match columns, the JSON and its hash."""
    data = record.model_dump(mode="json")
    return {
        **flat_values(record),
        "source_updated_at": record.updated_at,
        "deleted": record.deleted,
        "record": data,
        "content_hash": dumped_record_hash(data),
        "last_run_id": run_id,
    }


class _Page:
    """The page's plan: rows to insert, rows to update (changed, or an echo of our own push) and keys
    merely seen again, decided per record against the stored state and the page's earlier records."""

    def __init__(
        self, stored: dict[str, _Stored], now: datetime, run_id: str | None, digests: Mapping[str, str]
    ) -> None:
        self.stored, self.now, self.run_id, self.digests = stored, now, run_id, digests
        self.inserts: dict[str, dict[str, Any]] = {}
        self.changes: dict[str, dict[str, Any]] = {}  # id -> values; "changed_at" absent for an echo
        self.seen_again: set[str] = set()
        self.seen_digests: dict[str, str] = {}  # seen-again id -> its row digest, bound to its content
        self.maybe_echo: dict[str, tuple[CustomerRecord, dict[str, Any]]] = {}  # judged by judge_echoes

    def add(self, record: CustomerRecord, stats: StageStats) -> None:
        values = row_values(record, self.run_id)
        source_id = record.source_id
        digest = self.digests.get(source_id)
        # bound to the content it was staged with (``hub.row_digests``), in the row's own write
        values["row_digest"] = f"{digest}:{values['content_hash']}" if digest else None
        before = self.stored.get(source_id)
        if before is None:
            values.update(first_seen_at=self.now, changed_at=self.now)
            self.inserts[source_id] = values
            self.stored[source_id] = _Stored(values["content_hash"], values["deleted"], values)
            stats.inserted += 1
            return
        if before.content_hash == values["content_hash"] and before.deleted == values["deleted"]:
            stats.unchanged += 1
            if before.pending is None:
                self.seen_again.add(source_id)
                if digest:
                    self.seen_digests[source_id] = values["row_digest"]
            elif digest:  # the page's later delivery of the same content: its digest is the one kept
                before.pending["row_digest"] = values["row_digest"]
            return
        if before.pending is not None:  # the page delivered this id twice: the later one wins
            self._update_pending(before, values)
            if source_id in self.maybe_echo:
                self.maybe_echo[source_id] = (record, before.pending)
            else:
                stats.updated += 1
            return
        self.maybe_echo[source_id] = (record, values)
        self.seen_again.discard(source_id)
        self.seen_digests.pop(source_id, None)
        self.stored[source_id] = _Stored(values["content_hash"], values["deleted"], values)
        self.changes[source_id] = values

    @staticmethod
    def _update_pending(before: _Stored, values: dict[str, Any]) -> None:
        pending = before.pending if before.pending is not None else {}
        kept: dict[str, Any] = {k: pending[k] for k in ("first_seen_at", "changed_at") if k in pending}
        pending.clear()
        pending.update({**values, **kept})
        before.content_hash, before.deleted = values["content_hash"], values["deleted"]

    def judge_echoes(self, session: Session, source: str, stats: StageStats) -> None:
        """A changed record whose only change is what the hub pushed there is stored but keeps its
        ``changed_at``: no change for matching (:mod:`hub.echoes`)."""
        live = [i for i, (record, _) in self.maybe_echo.items() if not record.deleted]
        pushed = _pushed_fields(session, source, live) if live else {}
        stored = _stored_records(session, source, sorted(pushed)) if pushed else {}
        for source_id, (record, values) in self.maybe_echo.items():
            before = stored.get(source_id)
            if before is not None and is_echo(CustomerRecord.from_store(before), record, pushed[source_id]):
                stats.echoes += 1
            else:
                stats.updated += 1
                values["changed_at"] = self.now

    def write(self, session: Session, source: str) -> None:
        if self.inserts:
            insert_rows(session, SourceRecordRow, list(self.inserts.values()))
        changed = [v for v in self.changes.values() if "changed_at" in v]
        echoes = [v for v in self.changes.values() if "changed_at" not in v]
        for rows in (changed, echoes):
            if rows:
                session.execute(update(SourceRecordRow), rows)
        if self.seen_digests:  # their row digests too: one executemany UPDATE by key
            table = core_table(SourceRecordRow)
            by_key = (table.c.source_system == bindparam("b_system")) & (
                table.c.source_id == bindparam("b_id")
            )
            execute_rows(
                session,
                table.update()
                .where(by_key)
                .values(last_run_id=bindparam("b_run"), row_digest=bindparam("b_digest")),
                [
                    {"b_system": source, "b_id": i, "b_run": self.run_id, "b_digest": d}
                    for i, d in sorted(self.seen_digests.items())
                ],
            )
        for chunk in key_chunks(sorted(self.seen_again - self.seen_digests.keys())):
            session.execute(
                update(SourceRecordRow)
                .where(SourceRecordRow.source_system == source, SourceRecordRow.source_id.in_(chunk))
                .values(last_run_id=self.run_id)
            )


def write_records(
    session: Session,
    source: str,
    records: Sequence[CustomerRecord],
    run_id: str | None,
    now: datetime,
    row_digests: Mapping[str, str] | None = None,
) -> StageStats:
    """Stage one page of ``source``'s records in ``session``; returns what was inserted, updated,
    unchanged, an echo, or refused because the person was erased. ``row_digests``: per source id the
    digest of the row it was mapped from (:mod:`hub.row_digests`), stored with the row."""
    stats = StageStats()
    for record in records:
        if record.source_system != source:
            raise ValueError(f"record {record.key} delivered by source {source!r}")
    ids = [r.source_id for r in records]
    erased = _erased(session, source, ids)
    page = _Page(_stored(session, source, ids), now, run_id, row_digests or {})
    for record in records:
        if record.source_id in erased:
            stats.erased_skipped += 1
            continue
        page.add(record, stats)
    page.judge_echoes(session, source, stats)
    page.write(session, source)
    return stats


def write_orders(session: Session, source: str, orders: Sequence[OrderRecord]) -> None:
    """Upsert a page of orders: one look-up of the ids already stored, one bulk INSERT of the new and
    one bulk UPDATE of the known (the later of two deliveries of an id in one page wins)."""
    rows = {
        order.order_id: {
            "source_system": source,
            "order_id": order.order_id,
            "customer_source_id": order.customer_source_id,
            "total": order.total,
            "currency": order.currency,
            "status": order.status,
            "ordered_at": order.ordered_at,
        }
        for order in orders
    }
    known: set[str] = set()
    for chunk in key_chunks(list(rows)):
        known.update(
            session.scalars(
                select(OrderRow.order_id).where(
                    OrderRow.source_system == source, OrderRow.order_id.in_(chunk)
                )
            )
        )
    new = [row for order_id, row in rows.items() if order_id not in known]
    old = [row for order_id, row in rows.items() if order_id in known]
    if new:
        insert_rows(session, OrderRow, new)
    if old:
        session.execute(update(OrderRow), old)
