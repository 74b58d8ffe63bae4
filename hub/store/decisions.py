"""Stewardship: steward decisions, stored together with their effect on the golden records, and
undone the same way."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session, sessionmaker

from hub.models import AuditEntry, MatchPairRow, StewardDecisionRow, core_table, utcnow
from hub.store.common import PairVerdict, Repository, StaleDecisionsError, StoredMatch, _jsonable
from hub.store.golden import GoldenRepository, decision_version_in, serialize
from hub.store.review_items import golden_ids_of, refresh_review_items
from schemas import RecordKey, StewardDecision
from schemas.steward import parse_decision

log = logging.getLogger(__name__)


class DecisionRepository(Repository):
    """Steward decisions; a decision's effect is written by :class:`GoldenRepository` in the same
    transaction, so that a decision never exists without its effect."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], golden: GoldenRepository) -> None:
        super().__init__(engine, sessions)
        self.golden = golden

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
            keys: set[RecordKey] = set()
            for left_system, left_id, right_system, right_id in session.execute(query):
                if left_system and left_id:
                    keys.add(RecordKey(left_system, left_id))
                if right_system and right_id:
                    keys.add(RecordKey(right_system, right_id))
            return keys

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
            serialize(session)
            if match is not None:
                self.golden.check_fresh(session, match)
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
            serialize(session)
            if match is not None:
                self.golden.check_fresh(session, match)
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
            self.golden.write_match(session, match)
        if verdict is not None:
            self._set_pair_decision(session, verdict)
            session.flush()
            refresh_review_items(session, golden_ids_of(session, (verdict.left, verdict.right)))

    def decision_version(self) -> str:
        """Changes whenever a decision is taken or undone (checked again when a result is written)."""
        with self.sessions() as session:
            return decision_version_in(session)

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
            decision = _decision_model(row)
            return None if decision is None else (row.id, decision, before)

    @staticmethod
    def _set_pair_decision(session: Session, verdict: PairVerdict) -> None:
        """Note a steward's verdict on a stored pair (either order), if the pair is stored."""
        table = core_table(MatchPairRow)
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
