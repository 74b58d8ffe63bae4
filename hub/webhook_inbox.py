"""Changes a source announced by webhook, waiting for that source's next sync.

The webhook endpoint (:mod:`webapp.webhooks`) only records what arrived -- it never pulls or
matches while the shop waits for its answer. The next extract of that source hands the pending ids
to the connector (which reads them first, before its scan -- or, with the web shop's
``full_scan_every_seconds``, instead of it between full scans) and, once that extract is staged,
clears the entries it handed over; one that arrives during the run stays for the next.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from hub.models import Base, utcnow
from hub.store import HubStore


class PendingChangeRow(Base):
    """One webhook delivery: which record of which source changed and how (``customer.updated``)."""

    __tablename__ = "pending_source_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookInbox:
    def __init__(self, store: HubStore):
        self.store = store

    def record(self, source: str, source_id: str, topic: str) -> None:
        """Only the id and topic: the sync reads the record itself from the source, so the delivery's
        body (a person's name, e-mail, address) is not kept where erasure would have to find it."""
        with self.store.sessions.begin() as session:
            session.add(PendingChangeRow(source_system=source, source_id=source_id, topic=topic))

    def pending(self, source: str) -> tuple[list[str], int]:
        """``(distinct source ids in arrival order, last seq)``; pass the seq to :meth:`clear`."""
        query = (select(PendingChangeRow.seq, PendingChangeRow.source_id)
                 .where(PendingChangeRow.source_system == source).order_by(PendingChangeRow.seq))
        with self.store.sessions() as session:
            rows = session.execute(query).all()
        return list(dict.fromkeys(sid for _, sid in rows)), (rows[-1][0] if rows else 0)

    def clear(self, source: str, up_to: int) -> None:
        with self.store.sessions.begin() as session:
            session.execute(delete(PendingChangeRow).where(PendingChangeRow.source_system == source,
                                                           PendingChangeRow.seq <= up_to))
