"""Read-only questions the steward workbench and the golden-record API ask of the hub store.

Kept apart from the store's repositories (which own every write) so that pages and API consumers
can never change state by reading: every function here gets the :class:`hub.store.HubStore`, opens a
read session from its session factory and returns plain dataclasses or pydantic models, never ORM rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, or_, select

from hub.history import HistoryEntry, golden_history
from hub.models import (
    CrossReference,
    FieldConflict,
    GoldenRecordRow,
    SearchKeyRow,
    SourceRecordRow,
)
from hub.pair_queue import ReviewQueue, flat_records, review_queue
from hub.search_index import is_cjk, query_keys
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


def _by_search_keys(keys: set[str], limit: int) -> Select[tuple[str]]:
    """Active golden ids ranked by the weight of the ``keys`` their source records share: an e-mail,
    phone or id names one customer (3), a name word or Chinese character less (2), a sound least (1).
    One indexed lookup per key, grouped: fast however many golden records there are."""
    shared = (
        select(CrossReference.golden_id, SearchKeyRow.key)
        .join(
            SearchKeyRow,
            (SearchKeyRow.source_system == CrossReference.source_system)
            & (SearchKeyRow.source_id == CrossReference.source_id),
        )
        .where(SearchKeyRow.key.in_(sorted(keys)))
        .distinct()
        .subquery()
    )
    kind = func.substr(shared.c.key, 1, 2)
    weight = func.sum(case((kind.in_(["e:", "t:", "x:"]), 3), (kind.in_(["n:", "c:"]), 2), else_=1))
    return (
        select(shared.c.golden_id)
        .join(GoldenRecordRow, GoldenRecordRow.golden_id == shared.c.golden_id)
        .where(GoldenRecordRow.status == "active")
        .group_by(shared.c.golden_id)
        .order_by(weight.desc(), shared.c.golden_id)
        .limit(limit)
    )


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
        e-mail, phone or id, see ``hub.search_index``), then those whose name, e-mail, phone or source
        id contains ``q`` as written (any source record counts)."""
        q = " ".join(q.split())[:MAX_QUERY_LENGTH]
        if not q or (len(q) < 2 and not any(is_cjk(ch) for ch in q)):
            return []
        like = f"%{_escape_like(q)}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        columns = [
            SourceRecordRow.full_name,
            SourceRecordRow.given_name,
            SourceRecordRow.family_name,
            SourceRecordRow.organization_name,
            SourceRecordRow.email,
            SourceRecordRow.source_id,
        ]
        conditions = [c.ilike(like, escape="\\") for c in columns]
        if len(digits) >= 4:
            conditions.append(SourceRecordRow.phone.like(f"%{digits}%"))
        query = (
            select(CrossReference.golden_id)
            .join(
                SourceRecordRow,
                (SourceRecordRow.source_system == CrossReference.source_system)
                & (SourceRecordRow.source_id == CrossReference.source_id),
            )
            .where(or_(*conditions))
            .distinct()
            .limit(limit)
        )
        by_name = (
            select(GoldenRecordRow.golden_id)
            .where(GoldenRecordRow.status == "active", GoldenRecordRow.display_name.ilike(like, escape="\\"))
            .limit(limit)
        )
        with self.store.sessions() as session:
            ranked = session.scalars(_by_search_keys(query_keys(q), limit))
            ids = list(dict.fromkeys([*ranked, *session.scalars(by_name), *session.scalars(query)]))[:limit]
            rows = session.scalars(
                select(GoldenRecordRow).where(
                    GoldenRecordRow.golden_id.in_(ids), GoldenRecordRow.status == "active"
                )
            )
            found = {
                r.golden_id: GoldenSummary(
                    r.golden_id,
                    r.display_name,
                    (r.record or {}).get("country"),
                    [f"{s['source_system']}:{s['source_id']}" for s in (r.record or {}).get("sources", [])],
                )
                for r in rows
            }
        return [found[i] for i in ids if i in found]

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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
