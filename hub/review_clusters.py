"""The review queue as clusters: one item is two proposed golden records joined by uncertain links.

Why clusters and not pairs: a steward decides about customers, not about scores. Two proposals (golden
records the clustering built) joined by one or more ``review`` links are one question — "are these one
customer?" — however many pairs the matcher scored between them. A ``review`` pair whose two records
already sit in one golden record was resolved by the clustering and is no question at all, so it never
becomes an item.

Everything a page needs — filter, order (most informative first: the link nearest the middle of the
review band), count and page — happens in SQL over ``match_pairs`` joined to ``cross_references``; only
the page's items are read into Python. Read-only: decisions go through :class:`hub.stewardship.Stewardship`
(see :mod:`hub.review_actions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from hub.models import CrossReference, GoldenRecordRow, MatchPairRow, SourceRecordRow
from hub.store import FLAT_COLUMNS, HubStore
from matching.explain import with_reasons
from schemas import RecordKey

#: Score bands of the filter: name -> [low, high).
BANDS: dict[str, tuple[float, float]] = {"low": (0.0, 0.7), "mid": (0.7, 0.9), "high": (0.9, 1.01)}
ITEM_SEPARATOR = "~"


@dataclass
class ReviewLink:
    """One uncertain pair between the two proposals, with the matcher's reasons."""

    pair_id: int
    left: RecordKey
    right: RecordKey
    score: float
    explanation: list[dict[str, Any]]


@dataclass
class ReviewMember:
    key: RecordKey
    golden_id: str
    record: dict[str, Any]

    @property
    def name(self) -> str:
        r = self.record
        parts = (r.get("given_name"), r.get("family_name"))
        return r.get("organization_name") or r.get("full_name") or " ".join(p for p in parts if p) or ""


@dataclass
class ReviewSummary:
    """One line of the queue: the two proposals, how many links join them and how uncertain they are."""

    item_id: str
    golden_ids: tuple[str, str]
    names: tuple[str | None, str | None]
    links: int
    best_score: float
    uncertainty: float  # 1 = a link right in the middle of the review band, 0 = at its edge


@dataclass
class ReviewCluster:
    """A whole item: both proposals with their members, the links between them and why it is uncertain."""

    summary: ReviewSummary
    members: dict[str, list[ReviewMember]]  # golden id -> its members
    links: list[ReviewLink]
    why: list[str] = field(default_factory=list)


@dataclass
class ReviewPage:
    items: list[ReviewSummary]
    total: int
    offset: int
    limit: int


def item_id(a: str, b: str) -> str:
    return ITEM_SEPARATOR.join(sorted((a, b)))


def split_item_id(value: str) -> tuple[str, str] | None:
    parts = value.split(ITEM_SEPARATOR)
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) and parts[0] != parts[1] else None


class ReviewClusters:
    """Read-only cluster view of the open review links of one store; thresholds define "uncertain"."""

    def __init__(self, store: HubStore, review_threshold: float = 0.5, match_threshold: float = 0.92):
        self.store = store
        self.middle = (review_threshold + match_threshold) / 2
        self.half = max((match_threshold - review_threshold) / 2, 1e-9)

    def _links(self, source: str | None = None, band: str | None = None) -> Select[int, float, str, str]:
        """Open review links whose records sit in two different golden records, with both golden ids."""
        xl, xr = aliased(CrossReference), aliased(CrossReference)
        query = (
            select(
                MatchPairRow.id,
                MatchPairRow.score,
                xl.golden_id.label("lg"),
                xr.golden_id.label("rg"),
            )
            .join(
                xl, and_(xl.source_system == MatchPairRow.left_system, xl.source_id == MatchPairRow.left_id)
            )
            .join(
                xr, and_(xr.source_system == MatchPairRow.right_system, xr.source_id == MatchPairRow.right_id)
            )
            .where(MatchPairRow.decision == "review", xl.golden_id != xr.golden_id)
        )
        if source:
            query = query.where(or_(MatchPairRow.left_system == source, MatchPairRow.right_system == source))
        if band:
            low, high = BANDS[band]
            query = query.where(MatchPairRow.score >= low, MatchPairRow.score < high)
        return query

    def page(
        self, *, source: str | None = None, band: str | None = None, limit: int = 50, offset: int = 0
    ) -> ReviewPage:
        """One page of items, most uncertain first; filter, order, count and page run in SQL."""
        if band is not None and band not in BANDS:
            raise ValueError(f"unknown score band {band!r}; use one of {', '.join(BANDS)}")
        links = self._links(source, band).subquery()
        a = case((links.c.lg < links.c.rg, links.c.lg), else_=links.c.rg)
        b = case((links.c.lg < links.c.rg, links.c.rg), else_=links.c.lg)
        distance = func.min(func.abs(links.c.score - literal(self.middle)))
        grouped = (
            select(
                a.label("a"),
                b.label("b"),
                func.count().label("n"),
                func.max(links.c.score).label("best"),
                distance.label("distance"),
            )
            .group_by(a, b)
            .subquery()
        )
        ga, gb = aliased(GoldenRecordRow), aliased(GoldenRecordRow)
        query = (
            select(grouped, ga.display_name, gb.display_name)
            .join(ga, ga.golden_id == grouped.c.a)
            .join(gb, gb.golden_id == grouped.c.b)
            .order_by(grouped.c.distance, grouped.c.a, grouped.c.b)
            .limit(limit)
            .offset(offset)
        )
        with self.store.sessions() as session:
            total = session.scalar(select(func.count()).select_from(grouped)) or 0
            rows = session.execute(query).all()
        items = [
            ReviewSummary(
                item_id=item_id(r.a, r.b),
                golden_ids=(r.a, r.b),
                names=(r[5], r[6]),
                links=r.n,
                best_score=round(r.best, 4),
                uncertainty=round(max(0.0, 1.0 - r.distance / self.half), 4),
            )
            for r in rows
        ]
        return ReviewPage(items, total, offset, limit)

    def item(self, value: str) -> ReviewCluster | None:
        """The item ``value`` (``golden~golden``), or None when no open uncertain link joins them."""
        ids = split_item_id(value)
        if ids is None:
            return None
        a, b = sorted(ids)
        with self.store.sessions() as session:
            members = self._members(session, (a, b))
            keys = {m.key: g for g, ms in members.items() for m in ms}
            links = self._between(session, keys)
            names = {
                g: n
                for g, n in session.execute(
                    select(GoldenRecordRow.golden_id, GoldenRecordRow.display_name).where(
                        GoldenRecordRow.golden_id.in_((a, b))
                    )
                )
            }
        if not links:
            return None
        distance = min(abs(link.score - self.middle) for link in links)
        summary = ReviewSummary(
            item_id=item_id(a, b),
            golden_ids=(a, b),
            names=(names.get(a), names.get(b)),
            links=len(links),
            best_score=round(max(link.score for link in links), 4),
            uncertainty=round(max(0.0, 1.0 - distance / self.half), 4),
        )
        return ReviewCluster(summary, members, links, why_uncertain(links, self.middle))

    @staticmethod
    def _members(session: Session, golden_ids: tuple[str, str]) -> dict[str, list[ReviewMember]]:
        rows = session.execute(
            select(CrossReference.golden_id, SourceRecordRow)
            .join(
                SourceRecordRow,
                and_(
                    SourceRecordRow.source_system == CrossReference.source_system,
                    SourceRecordRow.source_id == CrossReference.source_id,
                ),
            )
            .where(CrossReference.golden_id.in_(golden_ids))
            .order_by(CrossReference.source_system, CrossReference.source_id)
        ).all()
        out: dict[str, list[ReviewMember]] = {g: [] for g in golden_ids}
        for golden_id, row in rows:
            flat = {c: (None if getattr(row, c) is None else str(getattr(row, c))) for c in FLAT_COLUMNS}
            out[golden_id].append(ReviewMember(RecordKey(row.source_system, row.source_id), golden_id, flat))
        return out

    @staticmethod
    def _between(session: Session, keys: dict[RecordKey, str]) -> list[ReviewLink]:
        """Open review links from a member of one proposal to a member of the other (never within one)."""
        if not keys:
            return []
        systems = {k.source_system for k in keys}
        ids = {k.source_id for k in keys}
        rows = session.scalars(
            select(MatchPairRow).where(
                MatchPairRow.decision == "review",
                MatchPairRow.left_system.in_(systems),
                MatchPairRow.left_id.in_(ids),
                MatchPairRow.right_system.in_(systems),
                MatchPairRow.right_id.in_(ids),
            )
        )
        links = []
        for p in rows:
            left, right = RecordKey(p.left_system, p.left_id), RecordKey(p.right_system, p.right_id)
            if left in keys and right in keys and keys[left] != keys[right]:
                links.append(ReviewLink(p.id, left, right, p.score, with_reasons(p.explanation or [])))
        return sorted(links, key=lambda link: (-link.score, link.pair_id))


def why_uncertain(links: list[ReviewLink], middle: float) -> list[str]:
    """Plain words for the steward: how close the scores are to the line, which rules spoke, which
    fields agree and which disagree (from the matcher's explanation of each link)."""
    best = max(links, key=lambda link: link.score)
    lines = [
        f"{len(links)} uncertain link(s) join these two proposals; the strongest scores {best.score:.2f}, "
        f"{'above' if best.score >= middle else 'below'} the middle of the review band ({middle:.2f})."
    ]
    agree, disagree, rules = set(), set(), []
    for link in links:
        for c in link.explanation:
            if c.get("field") == "rule":
                reason = c.get("reason") or c.get("level")
                if reason and reason not in rules:
                    rules.append(str(reason))
            elif (c.get("weight") or 0) > 0:
                agree.add(str(c.get("field")))
            elif (c.get("weight") or 0) < 0:
                disagree.add(str(c.get("field")))
    if agree:
        lines.append("They agree on " + ", ".join(sorted(agree)) + ".")
    if disagree:
        lines.append("They disagree on " + ", ".join(sorted(disagree)) + ".")
    lines.extend(f"Rule: {r}" for r in rules)
    return lines
