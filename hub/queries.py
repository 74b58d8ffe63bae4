"""Read-only questions the steward workbench and the golden-record API ask of the hub store.

Kept apart from the store's repositories (which own every write) so that pages and API consumers
can never change state by reading: every function here gets the :class:`hub.store.HubStore`, opens a
read session from its session factory and returns plain dataclasses or pydantic models, never ORM rows.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, or_, select

from hub.history import HistoryEntry, golden_history
from hub.models import (
    CrossReference,
    FieldConflict,
    GoldenRecordRow,
    MatchPairRow,
    SearchKeyRow,
    SourceRecordRow,
)
from hub.search_index import is_cjk, query_keys
from hub.store import FLAT_COLUMNS, HubStore
from matching.explain import with_reasons
from schemas import GoldenRecord, RecordKey

#: Score bands of the review queue filter: name -> [low, high).
SCORE_BANDS: dict[str, tuple[float, float]] = {"low": (0.0, 0.7), "mid": (0.7, 0.9), "high": (0.9, 1.01)}
#: Fields shown side by side in a review item (the flat record columns without the key).
COMPARED_FIELDS = tuple(c for c in FLAT_COLUMNS if c not in ("source_system", "source_id"))
MAX_QUERY_LENGTH = 200


def score_band(score: float) -> str:
    return next(name for name, (low, high) in SCORE_BANDS.items() if low <= score < high)


@dataclass
class ClusterMember:
    key: RecordKey
    name: str | None


@dataclass
class ReviewItem:
    """One uncertain pair: both records flat, which fields differ, the matcher's reasons, and the
    golden records (clusters) each side already belongs to."""

    pair_id: int
    left: RecordKey
    right: RecordKey
    score: float
    band: str
    priority: float
    explanation: list[dict[str, Any]]
    left_record: dict[str, Any] = field(default_factory=dict)
    right_record: dict[str, Any] = field(default_factory=dict)
    differs: dict[str, bool] = field(default_factory=dict)
    left_golden: str | None = None
    right_golden: str | None = None
    left_cluster: list[ClusterMember] = field(default_factory=list)
    right_cluster: list[ClusterMember] = field(default_factory=list)


@dataclass
class ReviewQueue:
    items: list[ReviewItem]
    total: int  # items matching the filters (before the limit)
    counts: dict[str, dict[str, int]]  # "source" / "country" / "band" -> value -> open pairs (unfiltered)


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


def _flat(row: SourceRecordRow) -> dict[str, Any]:
    return {name: (None if getattr(row, name) is None else str(getattr(row, name))) for name in FLAT_COLUMNS}


def _norm(value: Any) -> str:
    return " ".join(str(value).casefold().split()) if value not in (None, "") else ""


def _priority(score: float, review: float, match: float, members: int) -> float:
    """Most uncertain first (score nearest the middle of the review band), then most valuable (larger
    clusters: a wrong decision there touches more source systems)."""
    middle, half = (review + match) / 2, max((match - review) / 2, 1e-9)
    certainty = min(abs(score - middle) / half, 1.0)
    return round((1.0 - certainty) + 0.25 * math.log2(1 + members), 6)


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
        """Open ``review`` pairs, filtered by source system (either side), country (either side) and
        score band, ranked by :func:`_priority`; ``counts`` always describe the whole open queue."""
        if band is not None and band not in SCORE_BANDS:
            raise ValueError(f"unknown score band {band!r}; use one of {', '.join(SCORE_BANDS)}")
        with self.store.sessions() as session:
            pairs = list(session.scalars(select(MatchPairRow).where(MatchPairRow.decision == "review")))
            keys = {RecordKey(p.left_system, p.left_id) for p in pairs} | {
                RecordKey(p.right_system, p.right_id) for p in pairs
            }
            records = self._records(session, keys)
            golden_of = self._golden_of(session, keys)
            sizes = Counter(
                session.scalars(
                    select(CrossReference.golden_id).where(
                        CrossReference.golden_id.in_(set(golden_of.values()))
                    )
                )
            )
        items, counts = [], {"source": Counter(), "country": Counter(), "band": Counter()}
        for p in pairs:
            left, right = RecordKey(p.left_system, p.left_id), RecordKey(p.right_system, p.right_id)
            lrec, rrec = records.get(left, {}), records.get(right, {})
            countries = {c for c in (lrec.get("country"), rrec.get("country")) if c}
            band_name = score_band(p.score)
            for system in {left.source_system, right.source_system}:
                counts["source"][system] += 1
            for c in countries:
                counts["country"][c] += 1
            counts["band"][band_name] += 1
            if source and source not in (left.source_system, right.source_system):
                continue
            if country and country.upper() not in countries:
                continue
            if band and band != band_name:
                continue
            members = sizes[golden_of.get(left)] + sizes[golden_of.get(right)]
            items.append(
                ReviewItem(
                    pair_id=p.id,
                    left=left,
                    right=right,
                    score=p.score,
                    band=band_name,
                    priority=_priority(p.score, self.review_threshold, self.match_threshold, members),
                    explanation=with_reasons(p.explanation or []),
                    left_record=lrec,
                    right_record=rrec,
                    differs={
                        f: _norm(lrec.get(f)) != _norm(rrec.get(f))
                        for f in COMPARED_FIELDS
                        if lrec.get(f) or rrec.get(f)
                    },
                    left_golden=golden_of.get(left),
                    right_golden=golden_of.get(right),
                )
            )
        items.sort(key=lambda i: (-i.priority, i.pair_id))
        page = items[offset : offset + limit]
        self._fill_clusters(page)
        return ReviewQueue(page, len(items), {k: dict(sorted(v.items())) for k, v in counts.items()})

    def _fill_clusters(self, items: list[ReviewItem]) -> None:
        golden_ids = {g for i in items for g in (i.left_golden, i.right_golden) if g}
        if not golden_ids:
            return
        with self.store.sessions() as session:
            rows = session.execute(
                select(CrossReference.golden_id, SourceRecordRow)
                .join(
                    SourceRecordRow,
                    (SourceRecordRow.source_system == CrossReference.source_system)
                    & (SourceRecordRow.source_id == CrossReference.source_id),
                )
                .where(CrossReference.golden_id.in_(golden_ids))
                .order_by(CrossReference.source_system, CrossReference.source_id)
            ).all()
        clusters: dict[str, list[ClusterMember]] = {}
        for golden_id, row in rows:
            name = (
                row.organization_name
                or row.full_name
                or " ".join(p for p in (row.given_name, row.family_name) if p)
            )
            clusters.setdefault(golden_id, []).append(
                ClusterMember(RecordKey(row.source_system, row.source_id), name or None)
            )
        for item in items:
            item.left_cluster = [m for m in clusters.get(item.left_golden, []) if m.key != item.left]
            item.right_cluster = [m for m in clusters.get(item.right_golden, []) if m.key != item.right]

    @staticmethod
    def _records(session: Any, keys: set[RecordKey]) -> dict[RecordKey, dict[str, Any]]:
        out: dict[RecordKey, dict[str, Any]] = {}
        by_system: dict[str, list[str]] = {}
        for key in keys:
            by_system.setdefault(key.source_system, []).append(key.source_id)
        for system, ids in by_system.items():
            for start in range(0, len(ids), 500):
                query = select(SourceRecordRow).where(
                    SourceRecordRow.source_system == system,
                    SourceRecordRow.source_id.in_(ids[start : start + 500]),
                )
                out.update({RecordKey(system, r.source_id): _flat(r) for r in session.scalars(query)})
        return out

    @staticmethod
    def _golden_of(session: Any, keys: set[RecordKey]) -> dict[RecordKey, str]:
        out: dict[RecordKey, str] = {}
        by_system: dict[str, list[str]] = {}
        for key in keys:
            by_system.setdefault(key.source_system, []).append(key.source_id)
        for system, ids in by_system.items():
            for start in range(0, len(ids), 500):
                rows = session.execute(
                    select(CrossReference.source_id, CrossReference.golden_id).where(
                        CrossReference.source_system == system,
                        CrossReference.source_id.in_(ids[start : start + 500]),
                    )
                )
                out.update({RecordKey(system, i): g for i, g in rows})
        return out

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
            records = self._records(session, keys)
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
