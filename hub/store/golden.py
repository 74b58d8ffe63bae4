"""Golden records: the matching result written atomically (golden records, retirements,
cross-references, pairs, conflicts, audit trail and outbox events), and reading them back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import polars as pl
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hub.models import (
    CrossReference,
    GoldenRecordRow,
    MatchPairRow,
    OutboxEvent,
    StewardDecisionRow,
    core_table,
    utcnow,
)
from hub.store.bulk_rows import execute_rows
from hub.store.common import (
    GOLDEN_WRITE_LOCK,
    KEY_CHUNK,
    Repository,
    StaleDecisionsError,
    StoredMatch,
    keys_in,
)
from hub.store.golden_write import (
    MatchRows,
    collect_golden,
    collect_links,
    current_links,
    stored_golden,
    write_conflicts,
    write_golden_and_links,
    write_golden_rows,
)
from hub.store.matchruns import PlanPairs
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


class GoldenRepository(Repository):
    """Writes a matching result as a whole and reads golden records and their members."""

    def save_match(
        self, result: StoredMatch, finishing: Callable[[Session], None] | None = None
    ) -> dict[str, int]:
        """Write golden records, retirements, cross-references, pairs, conflicts, the audit trail and
        the outbox of one run (or one scoped change) atomically; ``finishing``: the caller's own writes
        in the same transaction."""
        with self.sessions.begin() as session:
            serialize(session)
            self.check_fresh(session, result)
            counts = self.write_match(session, result)
            if finishing is not None:
                finishing(session)
            return counts

    def check_fresh(self, session: Session, result: StoredMatch) -> None:
        if result.decision_version is not None and decision_version_in(session) != result.decision_version:
            raise StaleDecisionsError("steward decisions changed while this result was computed")
        if result.outbox_head is not None and (
            (session.scalar(select(func.max(OutboxEvent.seq))) or 0) != result.outbox_head
        ):
            raise StaleDecisionsError("golden records changed while this result was computed")

    def write_match(self, session: Session, result: StoredMatch) -> dict[str, int]:
        """The write itself, in the caller's transaction: set-based (``hub.store.golden_write``), reading
        only the golden records and links the result can change."""
        scope = result.scope
        links = current_links(session, None if scope is None else scope | set(result.membership))
        built = (
            set(result.golden_ids) if result.golden_ids is not None else {g.golden_id for g in result.golden}
        )
        if scope is None:  # a full run: every active golden record, and those it builds
            current = stored_golden(session, built, all_active=True)
            touched_ids = {g for g, row in current.items() if row.status == "active"} | built
        else:
            touched_ids = {links[k] for k in scope if k in links} | built
            current = stored_golden(session, touched_ids)
        # every golden record whose links may change: the review items around them are refreshed
        review_scope = None if scope is None else set(links.values()) | touched_ids
        actor = result.actor if result.actor != "hub" or not result.run_id else f"run:{result.run_id}"
        rows = MatchRows(now=utcnow(), actor=actor)
        building = iter(result.golden)  # a full run's build starts in worker processes (hub.golden_slices)
        self._replace_pairs(session, result, rows.now)  # meanwhile
        counts = {
            # golden records, their audit entries and events go out a slice at a time (memory)
            **collect_golden(
                result,
                current,
                rows,
                built,
                building,
                flush=lambda: write_golden_rows(session, rows, result.run_id),
            ),
            "links_changed": collect_links(result, links, rows),
        }
        write_golden_and_links(session, rows, result.run_id)
        write_conflicts(session, result, touched_ids, rows.now)
        if review_scope is not None:
            review_scope |= set(result.membership.values()) | set(result.retired)
        session.flush()
        refresh_review_items(session, review_scope)
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
        if isinstance(result.pairs, PlanPairs):  # a run's pairs as its shards wrote them: copied there
            result.pairs.copy_to(session, table, run_id=result.run_id, updated_at=now)
            return
        for pairs in result.pairs:  # straight to the driver (``bulk_rows``), a chunk at a time
            if pairs:
                execute_rows(
                    session,
                    table.insert(),
                    [{**pair, "run_id": result.run_id, "updated_at": now} for pair in pairs],
                )

    def membership(self) -> dict[RecordKey, str]:
        with self.sessions() as session:
            rows = session.execute(
                select(CrossReference.source_system, CrossReference.source_id, CrossReference.golden_id)
            )
            return {RecordKey(s, i): g for s, i, g in rows}

    def membership_of(self, keys: Iterable[RecordKey]) -> dict[RecordKey, str]:
        """The golden ids of these source records (those linked): read by key, in chunks, so that a
        run rebuilding a few thousand golden records does not read a million links."""
        with self.sessions() as session:
            return current_links(session, set(keys))

    def taken_ids(self, bases: Iterable[str]) -> set[str]:
        """The stored golden ids among ``bases`` and their numbered variants (``hub.golden.new_golden_id``):
        all a new id derived from one of them can collide with. A variant exists only beside its base
        (golden records are retired, never deleted), so only the bases found are looked up by prefix."""
        table = core_table(GoldenRecordRow)
        wanted, found = sorted(set(bases)), set()
        with self.sessions() as session:
            for start in range(0, len(wanted), KEY_CHUNK):
                chunk = wanted[start : start + KEY_CHUNK]
                found |= set(session.scalars(select(table.c.golden_id).where(table.c.golden_id.in_(chunk))))
            variants: set[str] = set()
            for base in sorted(found):
                query = select(table.c.golden_id).where(
                    table.c.golden_id.startswith(f"{base}-", autoescape=True)
                )
                variants |= set(session.scalars(query))
        return found | variants

    def golden_ids(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(select(GoldenRecordRow.golden_id)))

    def links_frame(self) -> pl.DataFrame:
        """Every link as columns ``source_system, source_id, golden_id``: what the matcher joins on, read
        in one statement (a dict of record keys cost 5x as much at 100k links)."""
        table = core_table(CrossReference)
        with self.sessions() as session:
            rows = session.execute(select(table.c.source_system, table.c.source_id, table.c.golden_id)).all()
        schema = {"source_system": pl.Utf8, "source_id": pl.Utf8, "golden_id": pl.Utf8}
        return pl.DataFrame(rows, schema=schema, orient="row")

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
