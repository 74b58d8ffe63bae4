"""The review queue as a maintained table: one row per open review item, refreshed where it changes.

Why a table: grouping every open ``review`` link (two joins to ``cross_references``) into items on each
page view costs seconds at 100k open links, and LIMIT/OFFSET only trims the result. Here the items are
kept in ``review_items`` (plus ``review_item_sources`` for the source filter), indexed in queue order
(distance to the middle of the review band, then the two golden ids), so a page is an index range read
with LIMIT and the count is an index count.

Who keeps it true: every write that changes pairs or links calls :func:`refresh_review_items` in its
own transaction with the golden ids it touched (``hub.store.golden`` after a match or a steward
decision's rebuild, ``hub.store.decisions`` after a pair verdict, ``hub.erasure`` after an erasure).
The refresh is set-based: delete the items of those golden records, insert them again from one
grouped ``INSERT ... SELECT`` over their open links. :func:`rebuild_review_items` does the same for
the whole store; the queue (:meth:`hub.review_clusters.ReviewClusters.page`) runs it lazily when the
table was never built (a store migrated from before 0015, a bulk load) or was built for another
review band.

The band's middle is a configuration value the store does not know; the table remembers the middle
it was built with (a ``sync_cursors`` row of the hub's own), and writes refresh with that one.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Select,
    SQLColumnExpression,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Session, aliased

from hub.models import (
    CrossReference,
    MatchPairRow,
    ReviewItemRow,
    ReviewItemSourceRow,
    SyncCursor,
    utcnow,
)
from hub.store.common import HUB_SOURCE, KEY_CHUNK
from schemas import RecordKey

#: Score bands of the queue filter: name -> [low, high). An item is in the band of its strongest link.
BANDS: dict[str, tuple[float, float]] = {"low": (0.0, 0.7), "mid": (0.7, 0.9), "high": (0.9, 1.01)}
#: The hub's own cursor row that says the table is built, and for which middle of the review band.
REVIEW_ITEM_STREAM = "review-items"
#: A refresh touching more golden records than this rebuilds the whole table (one pass is cheaper).
FULL_REBUILD_AT = 20_000


def built_middle(session: Session) -> float | None:
    """The review-band middle the table was built with, or None when it was never built."""
    row = session.get(SyncCursor, (HUB_SOURCE, REVIEW_ITEM_STREAM))
    return float(row.cursor) if row is not None and row.cursor else None


def band_of(best: SQLColumnExpression[float]) -> ColumnElement[str]:
    """SQL: the band name of a score (see :data:`BANDS`)."""
    whens: list[tuple[ColumnElement[bool], str]] = [(best < high, name) for name, (_, high) in BANDS.items()]
    return case(*whens, else_=list(BANDS)[-1])


def _links(golden_ids: list[str] | None) -> Select:  # type: ignore[type-arg]
    """Open review links between two different golden records, with the golden pair (a < b) and both
    systems; with ``golden_ids``, only the links touching one of them (found through the index on
    ``cross_references.golden_id`` from either side, never by a scan of all pairs)."""

    def side(driving: str) -> Select:  # type: ignore[type-arg]
        xl, xr = aliased(CrossReference), aliased(CrossReference)
        a = case((xl.golden_id < xr.golden_id, xl.golden_id), else_=xr.golden_id)
        b = case((xl.golden_id < xr.golden_id, xr.golden_id), else_=xl.golden_id)
        query = (
            select(
                MatchPairRow.id,
                MatchPairRow.score,
                MatchPairRow.left_system,
                MatchPairRow.right_system,
                a.label("a"),
                b.label("b"),
            )
            .join(
                xl, and_(xl.source_system == MatchPairRow.left_system, xl.source_id == MatchPairRow.left_id)
            )
            .join(
                xr, and_(xr.source_system == MatchPairRow.right_system, xr.source_id == MatchPairRow.right_id)
            )
            .where(xl.golden_id != xr.golden_id)
        )
        if golden_ids is None:
            return query.where(MatchPairRow.decision == "review")
        # ``decision`` as an expression: on the column, SQLite reads the decision index (every open
        # pair) first; from the golden ids' cross-references the pairs index finds only theirs
        return query.where(
            (MatchPairRow.decision + literal("")) == "review",
            (xl if driving == "left" else xr).golden_id.in_(golden_ids),
        )

    if golden_ids is None:
        return side("left")
    return union(side("left"), side("right"))  # type: ignore[return-value]


#: The open links being grouped, written once per refresh into a temporary table that is dropped
#: again in the same transaction (a failure rolls its creation back): the items and their systems are
#: two cheap GROUP BYs over it instead of two more passes of the three-way join.
_LINKS = Table(
    "review_links_scratch",
    MetaData(),
    Column("id", Integer),
    Column("score", Float),
    Column("left_system", String(64)),
    Column("right_system", String(64)),
    Column("a", String(64)),
    Column("b", String(64)),
    prefixes=["TEMPORARY"],
)


def _insert_items(session: Session, middle: float, golden_ids: list[str] | None) -> None:
    """Group the open links into items (and the systems each touches) with INSERT ... SELECTs."""
    connection = session.connection()
    _LINKS.create(connection)
    session.execute(insert(_LINKS).from_select([c.name for c in _LINKS.c], _links(golden_ids)))
    links = _LINKS.c
    best = func.max(links.score)
    grouped = select(
        links.a,
        links.b,
        func.count(),
        best,
        func.min(func.abs(links.score - literal(middle))),
        band_of(best),
    ).group_by(links.a, links.b)
    columns = ["a", "b", "links", "best_score", "distance", "band"]
    session.execute(insert(ReviewItemRow).from_select(columns, grouped))
    systems = union(
        select(links.a, links.b, links.left_system.label("system")),
        select(links.a, links.b, links.right_system.label("system")),
    ).subquery()
    with_order = select(
        systems.c.a, systems.c.b, systems.c.system, ReviewItemRow.distance, ReviewItemRow.band
    ).join(ReviewItemRow, and_(ReviewItemRow.a == systems.c.a, ReviewItemRow.b == systems.c.b))
    session.execute(
        insert(ReviewItemSourceRow).from_select(["a", "b", "source_system", "distance", "band"], with_order)
    )
    _LINKS.drop(connection)


def rebuild_review_items(session: Session, middle: float) -> None:
    """Build the whole table from the open review links, for this middle of the review band."""
    session.execute(delete(ReviewItemSourceRow))
    session.execute(delete(ReviewItemRow))
    _insert_items(session, middle, None)
    row = session.get(SyncCursor, (HUB_SOURCE, REVIEW_ITEM_STREAM))
    if row is None:
        session.add(
            SyncCursor(source=HUB_SOURCE, stream=REVIEW_ITEM_STREAM, cursor=repr(middle), updated_at=utcnow())
        )
    else:
        row.cursor, row.updated_at = repr(middle), utcnow()
    session.flush()


def refresh_review_items(session: Session, golden_ids: Iterable[str] | None) -> None:
    """Bring the items of these golden records up to date (``None``: all of them) in the caller's
    transaction. Nothing to do while the table was never built: the first read builds it whole."""
    middle = built_middle(session)
    if middle is None:
        return
    wanted = None if golden_ids is None else sorted(set(golden_ids))
    if wanted is None or len(wanted) > FULL_REBUILD_AT:
        rebuild_review_items(session, middle)
        return
    for start in range(0, len(wanted), KEY_CHUNK):  # delete then insert per chunk: no row twice
        chunk = wanted[start : start + KEY_CHUNK]
        for model in (ReviewItemSourceRow, ReviewItemRow):
            session.execute(delete(model).where(or_(model.a.in_(chunk), model.b.in_(chunk))))
        _insert_items(session, middle, chunk)


def golden_ids_of(session: Session, keys: Iterable[RecordKey]) -> set[str]:
    """The golden records of these source records now (for a refresh after a pair changed)."""
    found: set[str] = set()
    for key in keys:
        link = session.get(CrossReference, (key.source_system, key.source_id))
        if link is not None:
            found.add(link.golden_id)
    return found
