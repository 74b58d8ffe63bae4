"""The pair review queue: open uncertain pairs of source records, side by side, most uncertain first.

The workbench's pair-by-pair queue (``/steward/pairs``); review *clusters* (:mod:`hub.review_clusters`)
group the same pairs into proposed golden records. Read-only, like :mod:`hub.queries`. Filters, order,
counts and paging are SQL (it loaded every open pair into Python on each view before).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import aliased

from hub.models import CrossReference, MatchPairRow, SourceRecordRow
from hub.store import FLAT_COLUMNS, HubStore
from hub.store.review_items import BANDS, band_of
from matching.explain import with_reasons
from schemas import RecordKey

#: Score bands of the review queue filter: name -> [low, high) (the review items' own, one table).
SCORE_BANDS = BANDS
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


def _priority(score: float, review: float, match: float) -> float:
    """Most uncertain first: 1 at the middle of the review band, 0 at its edges and beyond."""
    middle, half = (review + match) / 2, max((match - review) / 2, 1e-9)
    return round(1.0 - min(abs(score - middle) / half, 1.0), 6)


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
    score band, most uncertain first (:func:`_priority`); ``counts`` always describe the whole open
    queue. Filtering, ordering, counting and paging run in SQL: only the page's pairs and records are
    read, so a million open pairs cost what one page costs (plus the grouped counts)."""
    if band is not None and band not in SCORE_BANDS:
        raise ValueError(f"unknown score band {band!r}; use one of {', '.join(SCORE_BANDS)}")
    middle = (review_threshold + match_threshold) / 2
    left, right = aliased(SourceRecordRow), aliased(SourceRecordRow)
    joined = (
        select(MatchPairRow)
        .outerjoin(
            left, (left.source_system == MatchPairRow.left_system) & (left.source_id == MatchPairRow.left_id)
        )
        .outerjoin(
            right,
            (right.source_system == MatchPairRow.right_system) & (right.source_id == MatchPairRow.right_id),
        )
        .where(MatchPairRow.decision == "review")
    )
    if source:
        joined = joined.where(or_(MatchPairRow.left_system == source, MatchPairRow.right_system == source))
    if country:
        wanted = country.upper()
        joined = joined.where(or_(func.upper(left.country) == wanted, func.upper(right.country) == wanted))
    if band:
        low, high = SCORE_BANDS[band]
        joined = joined.where(MatchPairRow.score >= low, MatchPairRow.score < high)
    ordered = (
        joined.order_by(func.abs(MatchPairRow.score - middle), MatchPairRow.id).offset(offset).limit(limit)
    )
    with store.sessions() as session:
        total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
        pairs = list(session.scalars(ordered))
        counts = _counts(session)
        keys = {RecordKey(p.left_system, p.left_id) for p in pairs} | {
            RecordKey(p.right_system, p.right_id) for p in pairs
        }
        records = flat_records(session, keys)
        golden_of = _golden_of(session, keys)
    items = [_item(p, records, golden_of, review_threshold, match_threshold) for p in pairs]
    _fill_clusters(store, items)
    return ReviewQueue(items, total, counts)


def _item(
    pair: MatchPairRow,
    records: dict[RecordKey, dict[str, Any]],
    golden_of: dict[RecordKey, str],
    review_threshold: float,
    match_threshold: float,
) -> ReviewItem:
    left, right = RecordKey(pair.left_system, pair.left_id), RecordKey(pair.right_system, pair.right_id)
    lrec, rrec = records.get(left, {}), records.get(right, {})
    return ReviewItem(
        pair_id=pair.id,
        left=left,
        right=right,
        score=pair.score,
        band=score_band(pair.score),
        priority=_priority(pair.score, review_threshold, match_threshold),
        explanation=with_reasons(pair.explanation or []),
        left_record=lrec,
        right_record=rrec,
        differs={
            f: _norm(lrec.get(f)) != _norm(rrec.get(f)) for f in COMPARED_FIELDS if lrec.get(f) or rrec.get(f)
        },
        left_golden=golden_of.get(left),
        right_golden=golden_of.get(right),
    )


def _counts(session: Any) -> dict[str, dict[str, int]]:
    """Open pairs per source system, country (either side, a pair counted once per value) and band."""
    pair = MatchPairRow
    open_pairs = pair.decision == "review"
    sides = union(
        select(pair.id, pair.left_system.label("v")).where(open_pairs),
        select(pair.id, pair.right_system.label("v")).where(open_pairs),
    ).subquery()
    record = aliased(SourceRecordRow)
    countries = union(
        *(
            select(pair.id, func.upper(record.country).label("v"))
            .join(record, (record.source_system == system) & (record.source_id == source_id))
            .where(open_pairs, record.country.is_not(None), record.country != "")
            for system, source_id in ((pair.left_system, pair.left_id), (pair.right_system, pair.right_id))
        )
    ).subquery()
    band = band_of(pair.score)
    out: dict[str, dict[str, int]] = {}
    for name, query in (
        ("source", select(sides.c.v, func.count()).group_by(sides.c.v)),
        ("country", select(countries.c.v, func.count()).group_by(countries.c.v)),
        ("band", select(band, func.count()).where(open_pairs).group_by(band)),
    ):
        out[name] = dict(sorted((str(v), int(n)) for v, n in session.execute(query)))
    return out


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
