"""Publishing: what to push back to the sources, what was pushed, and the change feed (outbox)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, FromClause, bindparam, column, func, or_, select, true
from sqlalchemy.orm import Session

from hub.cycle_gc import cycle_collection_paused
from hub.echoes import ADDRESS_PARTS
from hub.models import (
    AuditEntry,
    CrossReference,
    GoldenRecordRow,
    OutboxEvent,
    SourceRecordRow,
    core_table,
    utcnow,
)
from hub.store.bulk_rows import execute_rows
from hub.store.common import Repository, _jsonable, key_chunks
from schemas.customer import CustomerFields

#: Golden ids a push-state query names in one IN list: under every backend's bound-parameter limit.
MAX_IDS_IN_SQL = 10_000


class PushedRecord(CustomerFields):
    """A source record as the publish step compares it: its id and customer fields.

    Read from the stored record without its raw payload (extra keys are ignored, not validated): a
    publish reads every record of a source, and validating the payloads was most of its time."""

    source_id: str


class PushedGolden(CustomerFields):
    """A golden record as the publish step pushes it: its id and customer fields, without the
    sources and the lineage (four fifths of a stored golden record, and not pushed anywhere)."""

    golden_id: str


class OutboxRepository(Repository):
    """The golden records' way out: push-back state and the outbox consumers read."""

    def push_state(
        self, source: str, golden_ids: set[str] | None = None, fields: Collection[str] | None = None
    ) -> list[tuple[PushedRecord, PushedGolden, str | None]]:
        """Records of ``source`` to consider for push-back, with their golden record and the hash of
        what was last pushed: those of ``golden_ids`` (all when ``None``) and any never pushed.

        The choice is made in SQL, so a re-sync reads (and decodes) only the rows it returns, not
        every record of the source; a set of ids too large for one statement is applied here.
        ``fields``: the push fields the caller reads (``hub.echoes.field_value``; all customer fields
        when ``None``). Only their keys are taken out of the stored JSON, in SQL: decoding whole
        records -- raw payloads and lineage included -- was most of a publish's time."""
        keys = _stored_keys(fields)
        # Core columns, not the mapped classes': the ORM's row loading cost as much as the query
        records, links, golden = (core_table(m) for m in (SourceRecordRow, CrossReference, GoldenRecordRow))
        joined: FromClause = records.join(
            links,
            (links.c.source_system == records.c.source_system) & (links.c.source_id == records.c.source_id),
        ).join(golden, golden.c.golden_id == links.c.golden_id)
        values: list[ColumnElement[Any]] = []
        for name, stored in (("pushed_source", records.c.record), ("pushed_golden", golden.c.record)):
            if keys and self.engine.dialect.name == "postgresql":
                # the document parsed once for all its keys: PostgreSQL parses a ``json`` value again
                # for every ``->`` (a 100k publish spent 3 of its 4 s in the database on those)
                parsed = (
                    func.json_to_record(stored)
                    .table_valued(*(column(key, JSON) for key in keys))
                    .render_derived(name=name, with_types=True)
                    .lateral()
                )
                joined = joined.join(parsed, true())
                values.extend(parsed.c[key] for key in keys)
            else:
                values.extend(stored[key] for key in keys)
        query = (
            select(records.c.source_id, golden.c.golden_id, links.c.pushed_hash, *values)
            .select_from(joined)
            .where(records.c.source_system == source, records.c.deleted.is_(False))
            .order_by(records.c.source_id)
        )
        if golden_ids is not None and len(golden_ids) <= MAX_IDS_IN_SQL:
            wanted: ColumnElement[bool] = links.c.pushed_hash.is_(None)
            if golden_ids:
                wanted = or_(wanted, links.c.golden_id.in_(sorted(golden_ids)))
            query = query.where(wanted)
        with self.sessions() as session, cycle_collection_paused():  # two models per record
            return [
                (
                    PushedRecord.from_store(_present(keys, values[: len(keys)], source_id=source_id)),
                    PushedGolden.from_store(_present(keys, values[len(keys) :], golden_id=golden_id)),
                    pushed_hash,
                )
                for source_id, golden_id, pushed_hash, *values in session.execute(query)
                if golden_ids is None or pushed_hash is None or golden_id in golden_ids
            ]

    def mark_pushed(
        self,
        source: str,
        hashes: dict[str, str | None],
        actor: str = "hub",
        fields: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Remember what was pushed (``None``: the push failed, try again next time) and audit it;
        ``fields``: per source id the field values written, whose echo is no change (``hub.echoes``).

        Set-based, as a publish marks thousands of records at once: one Core executemany UPDATE of
        the cross references per kind of change (by primary key) and one executemany INSERT of the
        audit rows, whose golden ids come from one keyed SELECT per chunk. Straight to the driver
        (``hub.store.bulk_rows``), not the ORM's bulk UPDATE/INSERT, which ran every row through the
        mapper's persistence machinery (most of mark_pushed's time), nor Core's executemany, whose
        per-row parameter processing was half of what was left. A source id without a cross
        reference (unlinked meanwhile) is skipped, as before."""
        now, fields = utcnow(), fields or {}
        links = core_table(CrossReference)
        by_key = (links.c.source_system == bindparam("b_system")) & (links.c.source_id == bindparam("b_id"))
        with self.sessions.begin() as session:
            golden_of = _golden_ids(session, source, list(hashes))
            done = [(sid, digest) for sid, digest in hashes.items() if sid in golden_of]
            key = {"b_system": source}
            with_fields = [
                {**key, "b_id": sid, "pushed_hash": digest, "pushed_at": now,
                 "pushed_fields": _jsonable(dict(fields[sid]))}
                for sid, digest in done if digest and sid in fields
            ]
            without_fields = [
                {**key, "b_id": sid, "pushed_hash": digest, "pushed_at": now}
                for sid, digest in done if digest and sid not in fields
            ]
            failed = [{**key, "b_id": sid, "pushed_hash": None} for sid, digest in done if not digest]
            for rows in (with_fields, without_fields, failed):  # one executemany per set of columns
                execute_rows(session, links.update().where(by_key), rows)
            audit = [
                {"at": now, "actor": actor, "action": "push", "golden_id": golden_of[sid],
                 "source_system": source, "source_id": sid}
                for sid, digest in done if digest
            ]
            execute_rows(session, core_table(AuditEntry).insert(), audit)

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


def _stored_keys(fields: Collection[str] | None) -> list[str]:
    """The stored records' top-level keys that hold ``fields`` (an address part is read from the
    addresses), in a stable order; every customer field's when ``None``."""
    names = CustomerFields.model_fields if fields is None else fields
    return sorted({"addresses" if name in ADDRESS_PARTS else name for name in names})


def _present(keys: list[str], values: Sequence[Any], **ids: str) -> dict[str, Any]:
    """A stored record's extracted keys as a dict for its model, without those the record does not
    hold (JSON null or no such key), so that the model's defaults apply as when reading it whole."""
    return {**{key: value for key, value in zip(keys, values, strict=True) if value is not None}, **ids}


def _golden_ids(session: Session, source: str, source_ids: list[str]) -> dict[str, str]:
    """Golden id per source id of ``source`` that has a cross reference, one keyed SELECT per chunk."""
    found: dict[str, str] = {}
    links = core_table(CrossReference)
    for chunk in key_chunks(source_ids):
        rows = session.execute(
            select(links.c.source_id, links.c.golden_id).where(
                links.c.source_system == source, links.c.source_id.in_(chunk)
            )
        )
        found.update({sid: golden for sid, golden in rows})
    return found
