"""Read-only questions the steward workbench and the golden-record API ask of the hub store.

Kept apart from the store's repositories (which own every write) so that pages and API consumers
can never change state by reading: every function here gets the :class:`hub.store.HubStore`, opens a
read session from its session factory and returns plain dataclasses or pydantic models, never ORM rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from hub.history import HistoryEntry, golden_history
from hub.models import (
    FieldConflict,
    GoldenRecordRow,
)
from hub.pair_queue import ReviewQueue, flat_records, review_queue
from hub.search_index import is_cjk
from hub.search_lookup import find_golden_ids
from hub.store import HubStore
from schemas import GoldenRecord, RecordKey

MAX_QUERY_LENGTH = 200


@dataclass
class ConflictItem:
    conflict_id: int
    golden_id: str
    display_name: str | None
    field: str
    values: list[dict[str, Any]]  # [{"value": ..., "sources": ["erp:1", ...]}]


@dataclass
class GoldenSummary:
    golden_id: str
    display_name: str | None
    country: str | None
    sources: list[str]


@dataclass
class GoldenView:
    """A golden record page: the record (lineage inside), its source records and its history."""

    requested_id: str
    golden: GoldenRecord
    members: list[dict[str, Any]]
    history: list[HistoryEntry]
    conflicts: list[ConflictItem]

    @property
    def redirected(self) -> bool:
        return self.requested_id != self.golden.golden_id


@dataclass
class ChangePage:
    changes: list[dict[str, Any]]
    next: int  # cursor to send as ``since`` for the following page (== since when nothing new)
    head: int  # the newest sequence number in the outbox
    has_more: bool


class HubQueries:
    """Read-only views over one :class:`HubStore`; ``review``/``match`` thresholds rank the queue."""

    def __init__(self, store: HubStore, review_threshold: float = 0.5, match_threshold: float = 0.92):
        self.store = store
        self.review_threshold, self.match_threshold = review_threshold, match_threshold

    # ---- review queue --------------------------------------------------------------------------

    def review_queue(
        self,
        *,
        source: str | None = None,
        country: str | None = None,
        band: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> ReviewQueue:
        """Open uncertain pairs (see :func:`hub.pair_queue.review_queue`), ranked by these thresholds."""
        return review_queue(
            self.store,
            self.review_threshold,
            self.match_threshold,
            source=source,
            country=country,
            band=band,
            limit=limit,
            offset=offset,
        )

    # ---- field conflicts -----------------------------------------------------------------------

    def conflicts(self, golden_id: str | None = None, limit: int = 200) -> list[ConflictItem]:
        """Open field conflicts (two sources disagree on e.g. the tax id), oldest first."""
        query = (
            select(FieldConflict, GoldenRecordRow.display_name)
            .join(GoldenRecordRow, GoldenRecordRow.golden_id == FieldConflict.golden_id)
            .where(FieldConflict.status == "open", GoldenRecordRow.status == "active")
            .order_by(FieldConflict.id)
            .limit(limit)
        )
        if golden_id:
            query = query.where(FieldConflict.golden_id == golden_id)
        with self.store.sessions() as session:
            return [
                ConflictItem(c.id, c.golden_id, name, c.field, list(c.values or []))
                for c, name in session.execute(query)
            ]

    # ---- golden records ------------------------------------------------------------------------

    def search(self, q: str, limit: int = 25) -> list[GoldenSummary]:
        """Active golden records found by any spelling of ``q``: first those sharing the most search keys
        with it (a name in any script, order or romanisation, its sound, a Chinese character, an
        e-mail, phone or id, see ``hub.search_index``), then those with a name word starting with a
        word of ``q``, the source id ``q`` or a phone containing it: index reads only (see
        :mod:`hub.search_lookup`), fast however many golden records there are."""
        q = " ".join(q.split())[:MAX_QUERY_LENGTH]
        if not q or (len(q) < 2 and not any(is_cjk(ch) for ch in q)):
            return []
        with self.store.sessions() as session:
            ids = find_golden_ids(session, q, limit)
            # by primary key only: with ``status`` in SQL, SQLite may read the status index (every
            # active golden record) instead
            rows = [
                r
                for r in session.scalars(select(GoldenRecordRow).where(GoldenRecordRow.golden_id.in_(ids)))
                if r.status == "active"
            ]
            found = {
                r.golden_id: GoldenSummary(
                    r.golden_id,
                    r.display_name,
                    (r.record or {}).get("country"),
                    [f"{s['source_system']}:{s['source_id']}" for s in (r.record or {}).get("sources", [])],
                )
                for r in rows
            }
        return [found[i] for i in ids if i in found][:limit]

    def lookup(self, source_system: str, source_id: str) -> str | None:
        return self.store.golden.golden_id_of(RecordKey(source_system, source_id))

    def golden(self, golden_id: str, history_limit: int = 200) -> GoldenView | None:
        """The golden record (a retired id resolves to its survivor), its source records and history."""
        golden = self.store.golden.get_golden(golden_id)
        if golden is None:
            return None
        keys = {s.key for s in golden.sources}
        ids = {golden.golden_id, golden_id}
        with self.store.sessions() as session:
            records = flat_records(session, keys)
            history = golden_history(session, ids, keys, history_limit)
        members = [records[k] for k in sorted(keys, key=str) if k in records]
        return GoldenView(golden_id, golden, members, history, self.conflicts(golden.golden_id))

    # ---- change feed ---------------------------------------------------------------------------

    def changes(self, since: int = 0, limit: int = 100) -> ChangePage:
        """One page of the outbox after ``since``; ``next`` is the cursor for the following page."""
        rows = self.store.outbox.changes_since(since, limit + 1)
        page = rows[:limit]
        return ChangePage(
            changes=page,
            next=page[-1]["seq"] if page else since,
            head=self.store.outbox.outbox_head(),
            has_more=len(rows) > limit,
        )
