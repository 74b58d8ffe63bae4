"""Golden records: the matching result written atomically (golden records, retirements,
cross-references, pairs, conflicts, audit trail and outbox events), and reading them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hub.models import (
    AuditEntry,
    CrossReference,
    FieldConflict,
    GoldenRecordRow,
    MatchPairRow,
    OutboxEvent,
    StewardDecisionRow,
    core_table,
    utcnow,
)
from hub.store.common import (
    GOLDEN_WRITE_LOCK,
    KEY_CHUNK,
    Repository,
    StaleDecisionsError,
    StoredMatch,
    _jsonable,
    content_hash,
    keys_in,
)
from hub.store.review_items import refresh_review_items
from schemas import GoldenRecord, RecordKey


def serialize(session: Session) -> None:
    """On PostgreSQL, golden-record writes and steward decisions take turns (transaction lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GOLDEN_WRITE_LOCK})


def decision_version_in(session: Session) -> str:
    newest = session.scalar(select(func.max(StewardDecisionRow.id))) or 0
    undone = (
        session.scalar(
            select(func.count()).select_from(StewardDecisionRow).where(StewardDecisionRow.active.is_(False))
        )
        or 0
    )
    return f"{newest}:{undone}"


def _links(session: Session, keys: set[RecordKey] | None) -> dict[RecordKey, CrossReference]:
    """The cross-references a write can change: all of them for a full run, but only those of the
    scope and the new membership for a scoped one (a steward decision must not read a million links)."""
    if keys is None:
        rows = session.scalars(select(CrossReference))
        return {RecordKey(x.source_system, x.source_id): x for x in rows}
    wanted, links = sorted(keys), {}
    for start in range(0, len(wanted), KEY_CHUNK):
        chunk = [(k.source_system, k.source_id) for k in wanted[start : start + KEY_CHUNK]]
        query = select(CrossReference).where(
            keys_in(CrossReference.source_system, CrossReference.source_id, chunk)
        )
        links.update({RecordKey(x.source_system, x.source_id): x for x in session.scalars(query)})
    return links


class GoldenRepository(Repository):
    """Writes a matching result as a whole and reads golden records and their members."""

    def save_match(self, result: StoredMatch) -> dict[str, int]:
        """Write golden records, retirements, cross-references, pairs, conflicts, the audit trail and
        the outbox of one run (or one scoped change) atomically."""
        with self.sessions.begin() as session:
            serialize(session)
            self.check_fresh(session, result)
            return self.write_match(session, result)

    def check_fresh(self, session: Session, result: StoredMatch) -> None:
        if result.decision_version is not None and decision_version_in(session) != result.decision_version:
            raise StaleDecisionsError("steward decisions changed while this result was computed")
        if result.outbox_head is not None and (
            (session.scalar(select(func.max(OutboxEvent.seq))) or 0) != result.outbox_head
        ):
            raise StaleDecisionsError("golden records changed while this result was computed")

    def write_match(self, session: Session, result: StoredMatch) -> dict[str, int]:
        now = utcnow()
        counts = {"golden_created": 0, "golden_updated": 0, "golden_retired": 0, "links_changed": 0}
        scope = result.scope
        links = _links(session, None if scope is None else scope | set(result.membership))
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
        # every golden record whose links may change: the review items around them are refreshed
        review_scope = None if scope is None else {x.golden_id for x in links.values()} | touched_ids
        audit = _Trail(session, result.actor, result.run_id, now)
        outbox: list[tuple[str, str, str | None, dict[str, Any] | None]] = []
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
        if review_scope is not None:
            review_scope |= set(result.membership.values()) | set(result.retired)
        session.flush()
        refresh_review_items(session, review_scope)
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
        table = core_table(MatchPairRow)
        if result.scope is None:
            session.execute(table.delete())
        else:  # set-based: one statement per chunk of records, not one per record
            scope = sorted(result.scope)
            for start in range(0, len(scope), KEY_CHUNK):
                keys = [(k.source_system, k.source_id) for k in scope[start : start + KEY_CHUNK]]
                session.execute(
                    table.delete().where(
                        keys_in(table.c.left_system, table.c.left_id, keys)
                        | keys_in(table.c.right_system, table.c.right_id, keys)
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
            session.execute(core_table(FieldConflict).delete().where(FieldConflict.golden_id.in_(touched)))
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

    def membership(self) -> dict[RecordKey, str]:
        with self.sessions() as session:
            rows = session.execute(
                select(CrossReference.source_system, CrossReference.source_id, CrossReference.golden_id)
            )
            return {RecordKey(s, i): g for s, i, g in rows}

    def golden_ids(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(select(GoldenRecordRow.golden_id)))

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
                    return GoldenRecord.from_store(row.record)
                golden_id = row.merged_into
            return None


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
