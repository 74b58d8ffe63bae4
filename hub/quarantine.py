"""The quarantine book: source rows refused at the door, and what a steward does with them.

Written by staging (:meth:`QuarantineBook.record`, inside the page's transaction) and read and changed
by the workbench, the API and the sync:

* one entry per source row — keyed by the source id, or by a hash of the payload when no id could be
  read — so a full refresh that meets the same bad row again only counts it and moves ``last_seen_at``;
* a steward fixes values in the raw payload; the fixed payload must map onto a valid canonical
  :class:`schemas.CustomerRecord` through the source's own field mapping, else the fix is refused
  with the reasons and nothing is stored;
* a released entry is staged by the next sync of its source like a fresh record (status ``staged``);
* a discarded entry stays, with the steward's reason, so the history is never lost.

Every change is appended to the entry's ``history`` (who, when, what, why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import QuarantineRow, utcnow
from hub.store.quarantine_rows import DISCARDED, OPEN, RELEASED, STAGED
from schemas import CustomerRecord
from schemas.quarantine import describe_error

if TYPE_CHECKING:
    from connectors.mapping import FieldMapping
    from hub.store import HubStore, StageStats
    from schemas import SourceConfig

#: Entry states. ``staged`` = released and taken by a sync.


class QuarantineError(ValueError):
    """A steward's action that does not fit: the message says why (shown on the page, 422 in the API)."""


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    source_system: str
    source_id: str | None
    reason: str
    payload: dict[str, Any]
    status: str
    seen_count: int
    first_seen_at: datetime
    last_seen_at: datetime
    run_id: str | None
    history: list[dict[str, Any]]

    @property
    def where(self) -> str:
        """Where the row came from, as a steward finds it: the record id, or the file and line."""
        if self.source_id:
            return f"{self.source_system}:{self.source_id}"
        line = self.payload.get("_line") or self.payload.get("line")
        return f"{self.source_system} line {line}" if line else f"{self.source_system} (no id)"


def mapping_for(source: SourceConfig) -> FieldMapping:
    """The source's field mapping, as its connector builds it, without connecting to the source."""
    from connectors.mapping import FieldMapping
    from connectors.registry import connector_class

    return FieldMapping({**connector_class(source.kind).default_mapping, **source.mapping})


class QuarantineBook:
    """The steward's side of the quarantine, on the hub store's engine."""

    def __init__(self, store: HubStore):
        self.store = store

    def entries(
        self, source: str | None = None, status: str | None = OPEN, limit: int = 200, offset: int = 0
    ) -> list[QuarantineEntry]:
        query = select(QuarantineRow).order_by(QuarantineRow.last_seen_at.desc(), QuarantineRow.id.desc())
        if source:
            query = query.where(QuarantineRow.source_system == source)
        if status:
            query = query.where(QuarantineRow.status == status)
        with self.store.sessions() as session:
            return [_entry(row) for row in session.scalars(query.limit(limit).offset(offset))]

    def get(self, entry_id: int) -> QuarantineEntry:
        with self.store.sessions() as session:
            return _entry(self._row(session, entry_id))

    def fix(
        self, entry_id: int, source: SourceConfig, changes: Mapping[str, Any], actor: str
    ) -> QuarantineEntry:
        """Set payload fields (``None`` removes one); accepted only if the row then validates."""
        with self.store.sessions.begin() as session:
            row = self._open(session, entry_id)
            payload = {k: v for k, v in {**row.payload, **changes}.items() if v is not None}
            _validated(source, row, payload)
            before = {k: row.payload.get(k) for k in changes}
            row.payload = payload
            _log(row, actor, "fix", changes={k: [before[k], v] for k, v in changes.items()})
            return _entry(row)

    def release(self, entry_id: int, source: SourceConfig, actor: str) -> QuarantineEntry:
        """Hand the (fixed) row to the next sync of its source; refused while it does not validate."""
        with self.store.sessions.begin() as session:
            row = self._open(session, entry_id)
            _validated(source, row, row.payload)
            row.status = RELEASED
            _log(row, actor, "release")
            return _entry(row)

    def discard(self, entry_id: int, actor: str, reason: str) -> QuarantineEntry:
        if not reason.strip():
            raise QuarantineError("say why the row is discarded")
        with self.store.sessions.begin() as session:
            row = self._open(session, entry_id)
            row.status = DISCARDED
            _log(row, actor, "discard", reason=reason.strip())
            return _entry(row)

    def stage_released(self, source: SourceConfig, run_id: str | None) -> StageStats:
        """Called by the sync's extract step: released rows become staged source records."""
        with self.store.sessions() as session:
            rows = session.scalars(
                select(QuarantineRow).where(
                    QuarantineRow.source_system == source.name, QuarantineRow.status == RELEASED
                )
            ).all()
            records = [_validated(source, row, row.payload) for row in rows]
            ids = [row.id for row in rows]
        stats = self.store.staging.stage_page(source.name, records, [], None, run_id)
        with self.store.sessions.begin() as session:
            for row in session.scalars(select(QuarantineRow).where(QuarantineRow.id.in_(ids))):
                row.status = STAGED
                _log(row, f"run:{run_id}" if run_id else "hub", "staged")
        return stats

    @staticmethod
    def _row(session: Session, entry_id: int) -> QuarantineRow:
        row = session.get(QuarantineRow, entry_id)
        if row is None:
            raise LookupError(f"no quarantine entry {entry_id}")
        return row

    def _open(self, session: Session, entry_id: int) -> QuarantineRow:
        row = self._row(session, entry_id)
        if row.status != OPEN:
            raise QuarantineError(f"entry {entry_id} is {row.status} already")
        return row


def _validated(source: SourceConfig, row: QuarantineRow, payload: Mapping[str, Any]) -> CustomerRecord:
    """The payload as the sync would read it: through the source's mapping into the canonical schema."""
    try:
        record = mapping_for(source).to_record(row.source_system, payload)
    except (ValidationError, ValueError, TypeError) as exc:
        raise QuarantineError(describe_error(exc)) from exc
    if row.source_id and record.source_id != row.source_id:
        raise QuarantineError(f"the record id must stay {row.source_id!r}")
    return record


def _log(row: QuarantineRow, actor: str, action: str, **details: Any) -> None:
    row.history = [
        *(row.history or []),
        {"at": utcnow().isoformat(), "actor": actor, "action": action, **details},
    ]


def _entry(row: QuarantineRow) -> QuarantineEntry:
    return QuarantineEntry(
        id=row.id,
        source_system=row.source_system,
        source_id=row.source_id,
        reason=row.reason,
        payload=dict(row.payload),
        status=row.status,
        seen_count=row.seen_count,
        first_seen_at=row.created_at,
        last_seen_at=row.last_seen_at or row.created_at,
        run_id=row.run_id,
        history=list(row.history or []),
    )
