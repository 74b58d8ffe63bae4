"""The review queue as clusters: one item is two proposed golden records joined by uncertain links.

Why clusters and not pairs: a steward decides about customers, not about scores. Two proposals (golden
records the clustering built) joined by one or more ``review`` links are one question — "are these one
customer?" — however many pairs the matcher scored between them. A ``review`` pair whose two records
already sit in one golden record was resolved by the clustering and is no question at all, so it never
becomes an item.

Everything a page needs — filter, order (most informative first: the link nearest the middle of the
review band), count and page — is an index read of the maintained ``review_items`` table
(:mod:`hub.store.review_items`), with keyset paging (:class:`QueueCursor`); only the page's items are
read into Python. Read-only but for building that table on first use: decisions go through
:class:`hub.stewardship.Stewardship` (see :mod:`hub.review_actions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from hub.models import (
    CrossReference,
    GoldenRecordRow,
    MatchPairRow,
    ReviewItemRow,
    ReviewItemSourceRow,
    SourceRecordRow,
)
from hub.store import FLAT_COLUMNS, HubStore
from hub.store.common import keys_in
from hub.store.golden import serialize
from hub.store.review_items import BANDS, built_middle, rebuild_review_items
from matching.explain import with_reasons
from schemas import RecordKey

ITEM_SEPARATOR = "~"


class QueueCursor(NamedTuple):
    """A position in the queue order (distance to the band middle, then the golden ids): the page after
    it is an index range read, however deep into the queue it is (``?after=<distance>,<a>,<b>``)."""

    distance: float
    a: str
    b: str

    def __str__(self) -> str:
        return f"{self.distance!r},{self.a},{self.b}"

    @classmethod
    def parse(cls, value: str | None) -> QueueCursor | None:
        """The cursor ``value`` names, or None for an empty or malformed one (the queue's start)."""
        parts = (value or "").split(",")
        if len(parts) != 3 or not all(parts):
            return None
        try:
            return cls(float(parts[0]), parts[1], parts[2])
        except ValueError:
            return None


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
    cursor: QueueCursor | None = None  # where the queue stands at this item (keyset paging)


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

    def _order(self, source: str | None, band: str | None) -> tuple[Any, Select[Any]]:
        """The queue's index (items, or one source's items) and the query of its keys in order."""
        if band is not None and band not in BANDS:
            raise ValueError(f"unknown score band {band!r}; use one of {', '.join(BANDS)}")
        table: Any = ReviewItemSourceRow if source else ReviewItemRow
        query = select(table.distance, table.a, table.b)
        if source:
            query = query.where(ReviewItemSourceRow.source_system == source)
        if band:
            query = query.where(table.band == band)
        return table, query

    def _ready(self) -> None:
        """Build the items table when it never was, or was built for another review band (lazily, once)."""
        with self.store.sessions() as session:
            if built_middle(session) == self.middle:
                return
        with self.store.sessions.begin() as session:
            serialize(session)
            if built_middle(session) != self.middle:
                rebuild_review_items(session, self.middle)

    def page(
        self,
        *,
        source: str | None = None,
        band: str | None = None,
        limit: int = 50,
        offset: int = 0,
        after: QueueCursor | None = None,
    ) -> ReviewPage:
        """One page of items, most uncertain first: the items after ``after`` (keyset paging, an index
        range read), skipping ``offset`` of them. The count is exact, an index count."""
        table, keys = self._order(source, band)
        self._ready()
        count = select(func.count()).select_from(keys.subquery())
        if after is not None:
            keys = keys.where(tuple_(table.distance, table.a, table.b) > tuple_(*after))
        window = keys.order_by(table.distance, table.a, table.b).limit(limit).offset(offset).subquery()
        ga, gb = aliased(GoldenRecordRow), aliased(GoldenRecordRow)
        query = (
            select(window, ReviewItemRow.links, ReviewItemRow.best_score, ga.display_name, gb.display_name)
            .join(ReviewItemRow, and_(ReviewItemRow.a == window.c.a, ReviewItemRow.b == window.c.b))
            .outerjoin(ga, ga.golden_id == window.c.a)
            .outerjoin(gb, gb.golden_id == window.c.b)
            .order_by(window.c.distance, window.c.a, window.c.b)
        )
        with self.store.sessions() as session:
            total = session.scalar(count) or 0
            rows = session.execute(query).all()
        items = [
            ReviewSummary(
                item_id=item_id(r.a, r.b),
                golden_ids=(r.a, r.b),
                names=(r[5], r[6]),
                links=r.links,
                best_score=round(r.best_score, 4),
                uncertainty=round(max(0.0, 1.0 - r.distance / self.half), 4),
                cursor=QueueCursor(r.distance, r.a, r.b),
            )
            for r in rows
        ]
        return ReviewPage(items, total, offset, limit)

    def position(
        self, cursor: QueueCursor | None, *, source: str | None = None, band: str | None = None
    ) -> int:
        """How many items of the queue come up to and including ``cursor`` (an index range count)."""
        if cursor is None:
            return 0
        table, keys = self._order(source, band)
        keys = keys.where(tuple_(table.distance, table.a, table.b) <= tuple_(*cursor))
        with self.store.sessions() as session:
            return session.scalar(select(func.count()).select_from(keys.subquery())) or 0

    def back(
        self,
        cursor: QueueCursor,
        n: int,
        *,
        source: str | None = None,
        band: str | None = None,
        inclusive: bool = False,
    ) -> tuple[QueueCursor | None, int]:
        """Keyset paging backwards: the ``after`` cursor of the window of (up to) ``n`` items just before
        ``cursor`` (``inclusive``: ending with it; None: the start of the queue) and how many it holds."""
        table, keys = self._order(source, band)
        order = tuple_(table.distance, table.a, table.b)
        query = (
            keys.where(order <= tuple_(*cursor) if inclusive else order < tuple_(*cursor))
            .order_by(table.distance.desc(), table.a.desc(), table.b.desc())
            .limit(n + 1)
        )
        with self.store.sessions() as session:
            rows = session.execute(query).all()
        if len(rows) > n:
            return QueueCursor(*rows[n]), n
        return None, len(rows)

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
        # the members' pairs through the index on the left record (``decision`` is tested here, not in
        # SQL: there the planner may pick the decision index and read every open pair)
        rows = session.scalars(
            select(MatchPairRow).where(keys_in(MatchPairRow.left_system, MatchPairRow.left_id, keys))
        )
        links = []
        for p in rows:
            left, right = RecordKey(p.left_system, p.left_id), RecordKey(p.right_system, p.right_id)
            if p.decision == "review" and left in keys and right in keys and keys[left] != keys[right]:
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
