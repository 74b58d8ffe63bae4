"""The deletes that erasures queue to the source systems, and what became of each (``erased_keys``).

States: ``pending`` (not tried yet), ``done`` (the source deleted, blocked or anonymised the record,
or a person confirmed doing it by hand), ``failed`` (the source refused or could not be reached: tried
again at every publish) and ``unsupported`` (the system offers no delete the hub can call: a person
must do it, then confirms with ``crmhub erasures --done SYSTEM:ID``). Everything but ``done`` is an
erasure still waiting, and the summary, CLI, workbench and API show it with its reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hub.models import AuditEntry, ErasedKey
from hub.store import HubStore
from schemas import RecordKey

DONE, PENDING, FAILED, UNSUPPORTED = "done", "pending", "failed", "unsupported"
#: Why an erasure that was never tried waits (a source that was not published since).
NOT_TRIED = "not tried yet: the next publish step of this source carries it out"


@dataclass(frozen=True)
class WaitingErasure:
    """One source record whose erasure at its source is not done, and why."""

    key: RecordKey
    status: str
    reason: str
    erased_at: datetime


class ErasureQueue:
    def __init__(self, store: HubStore):
        self.store = store

    def waiting_ids(self, source: str) -> list[str]:
        """Source ids of ``source`` whose erasure there is not done (each publish tries them all)."""
        with self.store.sessions() as session:
            return list(
                session.scalars(
                    select(ErasedKey.source_id)
                    .where(ErasedKey.source_system == source, ErasedKey.delete_status != DONE)
                    .order_by(ErasedKey.source_id)
                )
            )

    def record(self, source: str, outcome: dict[str, tuple[str, str | None]]) -> None:
        """Store what the source did: source id -> (state, reason)."""
        with self.store.sessions.begin() as session:
            for source_id, (state, detail) in outcome.items():
                row = session.get(ErasedKey, (source, source_id))
                if row is not None:
                    row.delete_status, row.delete_detail = state, detail

    def confirm(self, key: RecordKey, actor: str, note: str) -> bool:
        """A person erased the record in the system by hand: mark it done and audit who said so."""
        with self.store.sessions.begin() as session:
            row = session.get(ErasedKey, (key.source_system, key.source_id))
            if row is None:
                return False
            row.delete_status, row.delete_detail = DONE, f"confirmed by {actor}: {note}"
            session.add(
                AuditEntry(
                    actor=actor,
                    action="erase-confirm",
                    source_system=key.source_system,
                    source_id=key.source_id,
                    after={"note": note},
                )
            )
            return True

    def waiting(self) -> list[WaitingErasure]:
        """Every erasure not yet carried out at its source, oldest first, with its reason."""
        with self.store.sessions() as session:
            rows = session.scalars(
                select(ErasedKey)
                .where(ErasedKey.delete_status != DONE)
                .order_by(ErasedKey.erased_at, ErasedKey.source_system, ErasedKey.source_id)
            )
            return [
                WaitingErasure(
                    key=RecordKey(row.source_system, row.source_id),
                    status=row.delete_status,
                    reason=row.delete_detail or NOT_TRIED,
                    erased_at=row.erased_at,
                )
                for row in rows
            ]

    def counts(self) -> dict[str, dict[str, int]]:
        """source -> state -> number of erased records."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        with self.store.sessions() as session:
            rows = session.execute(
                select(ErasedKey.source_system, ErasedKey.delete_status, func.count()).group_by(
                    ErasedKey.source_system, ErasedKey.delete_status
                )
            )
            for source, state, count in rows:
                out[source][state] = count
        return dict(out)
