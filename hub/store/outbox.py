"""Publishing: what to push back to the sources, what was pushed, and the change feed (outbox)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from hub.models import AuditEntry, CrossReference, GoldenRecordRow, OutboxEvent, SourceRecordRow, utcnow
from hub.store.common import Repository, _jsonable
from schemas import CustomerRecord, GoldenRecord

#: Golden ids a push-state query names in one IN list: under every backend's bound-parameter limit.
MAX_IDS_IN_SQL = 10_000


class OutboxRepository(Repository):
    """The golden records' way out: push-back state and the outbox consumers read."""

    def push_state(
        self, source: str, golden_ids: set[str] | None = None
    ) -> list[tuple[CustomerRecord, GoldenRecord, str | None]]:
        """Records of ``source`` to consider for push-back, with their golden record and the hash of
        what was last pushed: those of ``golden_ids`` (all when ``None``) and any never pushed.

        The choice is made in SQL, so a re-sync reads (and decodes) only the rows it returns, not
        every record of the source; a set of ids too large for one statement is applied here."""
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
        if golden_ids is not None and len(golden_ids) <= MAX_IDS_IN_SQL:
            wanted: ColumnElement[bool] = CrossReference.pushed_hash.is_(None)
            if golden_ids:
                wanted = or_(wanted, CrossReference.golden_id.in_(sorted(golden_ids)))
            query = query.where(wanted)
        with self.sessions() as session:
            return [
                (CustomerRecord.from_store(r), GoldenRecord.from_store(g), h)
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
