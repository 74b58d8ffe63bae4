"""The pair review queue: open uncertain pairs of source records, side by side, most uncertain first.

The workbench's first queue (``/steward/``); review *clusters* (:mod:`hub.review_clusters`) group the
same pairs into proposed golden records. Read-only, like :mod:`hub.queries`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from hub.models import CrossReference, MatchPairRow, SourceRecordRow
from hub.store import FLAT_COLUMNS, HubStore
from matching.explain import with_reasons
from schemas import RecordKey

#: Score bands of the review queue filter: name -> [low, high).
SCORE_BANDS: dict[str, tuple[float, float]] = {"low": (0.0, 0.7), "mid": (0.7, 0.9), "high": (0.9, 1.01)}
#: Fields shown side by side in a review item (the flat record columns without the key).
COMPARED_FIELDS = tuple(c for c in FLAT_COLUMNS if c not in ("source_system", "source_id"))


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


def review_queue(
    store: HubStore,
    review_threshold: float,
    match_threshold: float,
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
    with store.sessions() as session:
        pairs = list(session.scalars(select(MatchPairRow).where(MatchPairRow.decision == "review")))
        keys = {RecordKey(p.left_system, p.left_id) for p in pairs} | {
            RecordKey(p.right_system, p.right_id) for p in pairs
        }
        records = flat_records(session, keys)
        golden_of = _golden_of(session, keys)
        sizes = Counter(
            session.scalars(
                select(CrossReference.golden_id).where(CrossReference.golden_id.in_(set(golden_of.values())))
            )
        )
    items: list[ReviewItem] = []
    counts: dict[str, Counter[str]] = {"source": Counter(), "country": Counter(), "band": Counter()}
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
        members = sizes[golden_of.get(left, "")] + sizes[golden_of.get(right, "")]
        items.append(
            ReviewItem(
                pair_id=p.id,
                left=left,
                right=right,
                score=p.score,
                band=band_name,
                priority=_priority(p.score, review_threshold, match_threshold, members),
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
    _fill_clusters(store, page)
    return ReviewQueue(page, len(items), {k: dict(sorted(v.items())) for k, v in counts.items()})


def _fill_clusters(store: HubStore, items: list[ReviewItem]) -> None:
    golden_ids = {g for i in items for g in (i.left_golden, i.right_golden) if g}
    if not golden_ids:
        return
    with store.sessions() as session:
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
        item.left_cluster = [m for m in clusters.get(item.left_golden or "", []) if m.key != item.left]
        item.right_cluster = [m for m in clusters.get(item.right_golden or "", []) if m.key != item.right]


def flat_records(session: Any, keys: set[RecordKey]) -> dict[RecordKey, dict[str, Any]]:
    """Source records as flat strings by key (the columns a page shows), 500 ids per ``IN`` list."""
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
