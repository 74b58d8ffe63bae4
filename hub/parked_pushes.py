"""The repository of parked pushes: what a publish left out because the source cannot hold it.

Written by the publish step for the records it pushed (a record pushed whole again leaves the list);
read by ``crmhub parked``, the sync summary, the API and the workbench. The records' push hashes are
stored as for any push, so a parked value is tried again only when the golden record changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from hub.models import ParkedPushRow
from hub.store import KEY_CHUNK, HubStore


@dataclass(frozen=True)
class ParkedPush:
    source_system: str
    source_id: str
    golden_id: str
    reason: str
    run_id: str
    parked_at: datetime


class ParkedPushes:
    def __init__(self, store: HubStore):
        self.store = store

    def record(
        self,
        source: str,
        pushed: Iterable[str],
        parked: Mapping[str, str],
        golden_ids: Mapping[str, str],
        run_id: str,
    ) -> None:
        """After a publish: the pushed records' old entries go, the newly parked ones come.

        The source's entries are read first and only those among ``pushed`` deleted: parked values are
        few, a full publish pushes every record (deleting by chunks of 30k pushed ids took 0.7 s)."""
        ids = set(pushed)
        mine = ParkedPushRow.source_system == source
        with self.store.sessions.begin() as session:
            entries = session.scalars(select(ParkedPushRow.source_id).where(mine))
            gone = sorted(sid for sid in entries if sid in ids)
            for start in range(0, len(gone), KEY_CHUNK):
                chunk = gone[start : start + KEY_CHUNK]
                session.execute(delete(ParkedPushRow).where(mine, ParkedPushRow.source_id.in_(chunk)))
            session.add_all(
                ParkedPushRow(
                    source_system=source,
                    source_id=sid,
                    golden_id=golden_ids[sid],
                    reason=reason,
                    run_id=run_id,
                )
                for sid, reason in parked.items()
            )

    def list(self, source: str | None = None, limit: int = 200) -> list[ParkedPush]:
        query = select(ParkedPushRow).order_by(ParkedPushRow.parked_at.desc(), ParkedPushRow.source_id)
        if source:
            query = query.where(ParkedPushRow.source_system == source)
        with self.store.sessions() as session:
            return [
                ParkedPush(r.source_system, r.source_id, r.golden_id, r.reason, r.run_id, r.parked_at)
                for r in session.scalars(query.limit(limit))
            ]
