"""Which golden records a steward's query finds, in an order, with index reads only.

Why not ``LIKE '%q%'``: a substring match reads every source record (seconds at a million customers).
Every lookup here is an index range of ``search_keys`` (see :mod:`hub.search_index`) or a primary-key
read, each with a LIMIT, so the time stays flat however many customers the hub holds:

1. **Ranked by shared keys.** The query's keys (any script, order or romanisation; sound; e-mail,
   phone, id) are probed for how common they are (at most ``COMMON + 1`` index entries each). The
   records holding one of the *rare* keys are the candidates; they are ranked in SQL by the weight of
   all the query's keys they share (an e-mail, phone or id 3, a name word or Chinese character 2, a
   sound 1) with LIMIT. A query made only of common keys (a first name alone) ranks the first
   ``COMMON`` records of its rarest key instead of every namesake.
2. **Words typed in part.** Each name word of the query also finds the records with a name word that
   starts with it (an index prefix range on ``n:<word>``).
3. **A source id** as typed (``EVIL-1`` or ``erp:EVIL-1``), through the cross-reference index.
4. **A phone number typed as written locally** (digits without the country code) is a substring
   match: only for a query that is a phone number, on the ``phones`` column (a full read).
5. **Nothing found by an index**: the golden records whose display name contains the query as written
   (a full read, for words no key holds, such as the suffix "Sr."; a query that finds nothing pays it).
"""

from __future__ import annotations

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from hub.models import CrossReference, GoldenRecordRow, SearchKeyRow, SourceRecordRow
from hub.search_index import query_keys
from hub.store.common import keys_in

#: A key held by more records than this is common (a first name): it ranks, but does not pick.
COMMON = 200
#: Shortest word that is looked up as the start of a name word.
MIN_PREFIX = 3
#: Highest key code point: ``n:abc`` <= key < ``n:abc`` + this is "starts with abc".
TOP = "\U0010ffff"


def _weight(key: object) -> object:
    kind = func.substr(key, 1, 2)
    return case((kind.in_(["e:", "t:", "x:"]), 3), (kind.in_(["n:", "c:"]), 2), else_=1)


def _holders(key: str, limit: int) -> Select[str, str]:
    return (
        select(SearchKeyRow.source_system, SearchKeyRow.source_id).where(SearchKeyRow.key == key).limit(limit)
    )


def _candidates(session: Session, keys: list[str]) -> list[tuple[str, str]]:
    """Records holding one of the rare keys (or, when all are common, the first of the rarest one)."""
    sizes = {
        k: session.scalar(select(func.count()).select_from(_holders(k, COMMON + 1).subquery())) or 0
        for k in keys
    }
    rare = [k for k in keys if 0 < sizes[k] <= COMMON]
    if not rare:
        common = [k for k in keys if sizes[k]]
        rare = [min(common, key=lambda k: (-int(_weight_of(k)), k))] if common else []
    found: dict[tuple[str, str], None] = {}
    for key in rare:
        found.update(dict.fromkeys((system, id_) for system, id_ in session.execute(_holders(key, COMMON))))
    return list(found)


def _weight_of(key: str) -> int:
    return 3 if key[:2] in ("e:", "t:", "x:") else 2 if key[:2] in ("n:", "c:") else 1


def _ranked(session: Session, keys: set[str], limit: int) -> list[str]:
    """Golden ids of the candidates, by the weight of the query keys their records share (in SQL)."""
    wanted = sorted(keys)
    candidates = _candidates(session, wanted)
    if not candidates:
        return []
    shared = (
        select(CrossReference.golden_id, SearchKeyRow.key)
        .join(
            CrossReference,
            (CrossReference.source_system == SearchKeyRow.source_system)
            & (CrossReference.source_id == SearchKeyRow.source_id),
        )
        .where(
            keys_in(SearchKeyRow.source_system, SearchKeyRow.source_id, candidates),
            # an expression, not the column: the key index would read every holder of a common key;
            # the candidates' primary-key ranges are what bounds this read
            (SearchKeyRow.key + literal("")).in_(wanted),
        )
        .distinct()
        .subquery()
    )
    weight = func.sum(_weight(shared.c.key))
    query = (
        select(shared.c.golden_id)
        .join(GoldenRecordRow, GoldenRecordRow.golden_id == shared.c.golden_id)
        .where(GoldenRecordRow.status == "active")
        .group_by(shared.c.golden_id)
        .order_by(weight.desc(), shared.c.golden_id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _by_prefix(session: Session, keys: set[str], limit: int) -> list[str]:
    """Golden ids of records with a name word starting with one of the query's name words."""
    words = sorted(k for k in keys if k.startswith("n:") and len(k) - 2 >= MIN_PREFIX)
    found: list[str] = []
    for word in words:
        holders = (
            select(SearchKeyRow.source_system, SearchKeyRow.source_id)
            .where(SearchKeyRow.key > word, SearchKeyRow.key < word + TOP)
            .limit(limit)
            .subquery()
        )
        found += session.scalars(
            select(CrossReference.golden_id).join(
                holders,
                (CrossReference.source_system == holders.c.source_system)
                & (CrossReference.source_id == holders.c.source_id),
            )
        )
    return found


def _by_source_id(session: Session, q: str, limit: int) -> list[str]:
    system, _, source_id = q.rpartition(":")
    where = CrossReference.source_id == q
    if system and source_id:
        where = or_(where, (CrossReference.source_system == system) & (CrossReference.source_id == source_id))
    return list(session.scalars(select(CrossReference.golden_id).where(where).limit(limit)))


def _by_local_phone(session: Session, q: str, limit: int) -> list[str]:
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) < 6 or len(digits) < len(q.replace(" ", "")) - 2:
        return []  # not a phone number
    query = (
        select(CrossReference.golden_id)
        .join(
            SourceRecordRow,
            (SourceRecordRow.source_system == CrossReference.source_system)
            & (SourceRecordRow.source_id == CrossReference.source_id),
        )
        .where(SourceRecordRow.phone.like(f"%{digits}%"))
        .limit(limit)
    )
    return list(session.scalars(query))


def _by_display_name(session: Session, q: str, limit: int) -> list[str]:
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(GoldenRecordRow.golden_id).where(GoldenRecordRow.display_name.ilike(like, escape="\\"))
    return list(session.scalars(query.limit(limit)))


def find_golden_ids(session: Session, q: str, limit: int) -> list[str]:
    """Golden ids (active or not; the caller keeps the active ones) that ``q`` finds, best first."""
    keys = query_keys(q)
    ranked = _ranked(session, keys, limit) if keys else []
    found = [*ranked, *_by_prefix(session, keys, limit), *_by_source_id(session, q, limit)]
    if len(found) < limit:
        found += _by_local_phone(session, q, limit)
    if not found and len(q) >= MIN_PREFIX:
        # last resort, only when no index found anything: a word no key holds ("Sr.", a suffix)
        found += _by_display_name(session, q, limit)
    return list(dict.fromkeys(found))
