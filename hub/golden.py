"""Golden records from clusters: stable ids across runs and field-level survivorship with lineage.

Ids: a cluster keeps the golden id most of its members already had (ties: the smaller id); the
other ids it absorbs are retired and point to it. A new cluster's id is derived from its smallest
member key, so a full rebuild on the same data gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.tax_ids import tax_id_key
from schemas import (
    Address,
    CustomerRecord,
    FieldLineage,
    GoldenRecord,
    RecordKey,
    SourceRef,
    SurvivorshipConfig,
)

SCALAR_FIELDS = (
    "record_type",
    "given_name",
    "family_name",
    "full_name",
    "organization_name",
    "country",
    "date_of_birth",
    "tax_id",
)
LIST_FIELDS = ("emails", "phones", "addresses")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def base_golden_id(members: Sequence[RecordKey]) -> str:
    """The id a new cluster gets when it is free (derived from its smallest member key)."""
    return _golden_id_of(min(str(k) for k in members))


def _golden_id_of(seed: str) -> str:
    return f"G-{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


def new_golden_id(base: str, taken: set[str]) -> str:
    """A cluster's ``base`` id (``base_golden_id``), or its first numbered variant not ``taken``."""
    candidate, n = base, 1
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@dataclass
class IdAssignment:
    ids: dict[Any, str]  # cluster -> golden id
    retired: dict[str, str]  # retired golden id -> surviving golden id
    split_from: dict[str, str]  # new golden id -> the id whose records it took


def assign_golden_ids(
    clusters: Mapping[Any, Sequence[RecordKey]],
    previous: Mapping[RecordKey, str],
    existing: set[str] | Callable[[set[str]], set[str]],
    preferred: Mapping[Any, str] | None = None,
) -> IdAssignment:
    """Map each cluster to a golden id, deterministically, preferring the ids its members had.

    ``preferred`` ids (an undo restoring the ids clusters had before a decision) win over all claims.
    ``existing``: the stored golden ids, or a lookup of those a new id derived from the given bases
    could collide with (``store.golden.taken_ids``), asked only for the clusters left without an id.
    Each cluster's smallest member key (its order, and a new id's seed) is worked out once: in a full
    run's 50k clusters, three times over, it was half of this function's time.
    """
    smallest = {cluster: min(map(str, members)) for cluster, members in clusters.items()}
    claims: list[tuple[int, str, str, Any]] = []
    for cluster, golden_id in (preferred or {}).items():
        if cluster in clusters:
            claims.append((-(10**9), golden_id, "", cluster))
    if previous:  # a first run has no links: no cluster claims an id
        for cluster, members in clusters.items():
            for golden_id, votes in Counter(previous[k] for k in members if k in previous).items():
                claims.append((-votes, golden_id, smallest[cluster], cluster))
    ids: dict[Any, str] = {}
    used: set[str] = set()
    # Strongest claims first: a split keeps the id with the part holding most of its old members.
    for _votes, golden_id, _order, cluster in sorted(claims, key=lambda c: c[:3]):
        if cluster not in ids and golden_id not in used:
            ids[cluster] = golden_id
            used.add(golden_id)
    if callable(existing):
        existing = existing({_golden_id_of(smallest[c]) for c in clusters if c not in ids})
    taken = set(existing) | used
    split_from: dict[str, str] = {}
    in_order = sorted(clusters, key=smallest.__getitem__)
    for cluster in in_order:
        if cluster not in ids:
            ids[cluster] = new_golden_id(_golden_id_of(smallest[cluster]), taken)
            taken.add(ids[cluster])
            olds = Counter(previous[k] for k in clusters[cluster] if k in previous)
            if olds:
                split_from[ids[cluster]] = min(olds, key=lambda g: (-olds[g], g))
    retired: dict[str, str] = {}
    for cluster in in_order if previous else ():
        for key in sorted(clusters[cluster]):
            old = previous.get(key)
            if old and old not in used and old not in retired:
                retired[old] = ids[cluster]
    return IdAssignment(ids=ids, retired=retired, split_from=split_from)


_NOT_LETTERS_OR_DIGITS = re.compile(r"[\W_]+")


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_LETTERS_OR_DIGITS.sub("", value.casefold())
    return value


@dataclass(frozen=True)
class _RecordFacts:
    """What ranking and lineage ask of a source record on every field of its golden record: worked
    out once per record and build, not once per field and value (``str(record.key)`` and the
    timestamp were a third of ``build_golden``)."""

    ref: SourceRef
    name: str  # ``str(record.key)``: the last tie-breaker, and how lineage names the record
    recency: float  # the ``most_recent`` rule's sort key


Facts = Mapping[int, _RecordFacts]  # by ``id(record)``: records are not hashable
Candidate = tuple[CustomerRecord, Any]  # a source record and one value of a field


def record_facts(records: Iterable[CustomerRecord]) -> dict[int, _RecordFacts]:
    return {
        id(r): _RecordFacts(_ref(r), str(r.key), -(r.updated_at or _EPOCH).timestamp()) for r in records
    }


ValueKey = Callable[[CustomerRecord, Any], Any]


def _spelling_key(record: CustomerRecord, value: Any) -> Any:
    return _comparable(value)


def value_key(field: str) -> ValueKey:
    """What two values of ``field`` must differ in to be different values (a conflict, two votes):
    a tax id as its number (``hub.tax_ids``: DE281127676 is 281127676), anything else without case
    and punctuation."""
    if field == "tax_id":
        return lambda r, v: tax_id_key(v, r.country) if isinstance(v, str) else v
    return _spelling_key


def _rule_key(
    rule: str, trust: Mapping[str, int], counts: Counter[Any], key: ValueKey, facts: Facts
) -> Callable[[CustomerRecord, Any], Any]:
    if rule == "source_trust":
        return lambda r, v: trust.get(r.source_system, 100)
    if rule == "most_recent":
        return lambda r, v: facts[id(r)].recency
    if rule == "most_complete":
        return lambda r, v: -len(str(v.model_dump() if isinstance(v, Address) else v))
    if rule == "most_frequent":
        return lambda r, v: -counts[key(r, v)]
    raise ValueError(f"unknown survivorship rule {rule!r}")


#: Rules that rank a value by its record alone: candidates ranked by these only come in their records'
#: order, the same for every field (``build_golden`` sorts the records once, not each field's values).
RECORD_RULES = frozenset({"source_trust", "most_recent"})


def by_record(
    records: Sequence[CustomerRecord], rules: Sequence[str], trust: Mapping[str, int], facts: Facts
) -> list[CustomerRecord]:
    """``records`` in the order ``rank`` gives their values under ``rules`` (all in ``RECORD_RULES``),
    the record key breaking the last ties."""
    if len(records) < 2:
        return list(records)
    keys = [_rule_key(rule, trust, Counter(), _spelling_key, facts) for rule in rules]
    return sorted(records, key=lambda r: (*[k(r, None) for k in keys], facts[id(r)].name))


def rank(
    candidates: Sequence[Candidate],
    rules: Sequence[str],
    trust: Mapping[str, int],
    key: ValueKey = _spelling_key,
    facts: Facts | None = None,
) -> list[Candidate]:
    """Order (record, value) candidates by the rules; the record key breaks the last ties. ``key``
    says which values are one value (``most_frequent`` counts them together); ``facts``: the
    candidates' records' (``record_facts``), when the caller ranks them on several fields."""
    if len(candidates) < 2:  # most golden records have one source record: nothing to order
        return list(candidates)
    if facts is None:
        facts = record_facts(r for r, _ in candidates)
    # values are only counted for a rule that counts them (the spelling key is a regex per value)
    counts = Counter(key(r, v) for r, v in candidates) if "most_frequent" in rules else Counter()
    keys = [_rule_key(rule, trust, counts, key, facts) for rule in rules]
    return sorted(candidates, key=lambda c: (*[k(*c) for k in keys], facts[id(c[0])].name))


def build_golden(
    golden_id: str,
    records: Sequence[CustomerRecord],
    trust: Mapping[str, int],
    overrides: Mapping[str, Any] | None = None,
    survivorship: SurvivorshipConfig | None = None,
) -> GoldenRecord:
    """Survivorship per field with lineage: which source record and rule supplied the value, and the
    values it beat. A steward's override beats every source."""
    survivorship = survivorship or SurvivorshipConfig()
    overrides = overrides or {}
    facts = record_facts(records)
    orders: dict[tuple[str, ...], list[CustomerRecord]] = {}

    def ranked(field: str, rules: Sequence[str], key: ValueKey = _spelling_key) -> list[Candidate]:
        if not RECORD_RULES.issuperset(rules):
            return rank(_values(records, field), rules, trust, key, facts)
        order = orders.get(tuple(rules))
        if order is None:
            order = orders[tuple(rules)] = by_record(records, rules, trust, facts)
        return _values(order, field)

    data: dict[str, Any] = {}
    lineage: dict[str, FieldLineage] = {}
    for field in SCALAR_FIELDS:
        same, rules = value_key(field), survivorship.rules(field)
        candidates = ranked(field, rules, same)
        if field in overrides:
            data[field] = overrides[field]
            override = _plain(overrides[field])
            lineage[field] = _lineage(field, override, None, "steward_override", candidates, facts)
        elif candidates:
            winner, value = candidates[0]
            data[field] = value
            beaten = []
            if len(candidates) > 1:  # a lone value beat nothing: no spelling keys to compare
                won = same(winner, value)
                beaten = [(r, v) for r, v in candidates[1:] if same(r, v) != won]
            source, rule = facts[id(winner)].ref, "+".join(rules)
            lineage[field] = _lineage(field, _plain(value), source, rule, beaten, facts)
    for field in LIST_FIELDS:
        rules = survivorship.rules(field)
        candidates = ranked(field, rules)
        overridden = field in overrides
        # an override of a list field is the whole list, in the steward's order
        values = list(overrides[field]) if overridden else list(dict.fromkeys(v for _, v in candidates))
        data[field] = values
        if values:
            lineage[field] = _lineage(
                field,
                _plain(values[0]),
                None if overridden else facts[id(candidates[0][0])].ref,
                "steward_override" if overridden else "all_values_primary_by_" + "+".join(rules),
                candidates,
                facts,
            )
    data["updated_at"] = max((r.updated_at for r in records if r.updated_at), default=None)
    return GoldenRecord(
        golden_id=golden_id,
        sources=sorted((facts[id(r)].ref for r in records), key=lambda s: (s.source_system, s.source_id)),
        lineage=lineage,
        **data,
    )


def _values(records: Iterable[CustomerRecord], field: str) -> list[Candidate]:
    """The (record, value) candidates of ``field`` in ``records``' order: a scalar's set values, or
    every value of a list field (addresses that are not empty)."""
    if field in LIST_FIELDS:
        values = ((r, v) for r in records for v in getattr(r, field))
        return [(r, v) for r, v in values if not (isinstance(v, Address) and v.is_empty())]
    return [(r, v) for r in records if (v := getattr(r, field)) not in (None, "")]


def _lineage(
    field: str,
    value: Any,
    source: SourceRef | None,
    rule: str,
    competing: Sequence[Candidate],
    facts: Facts,
) -> FieldLineage:
    """A field's lineage: the value, the record that supplied it (``None``: a steward), the rule, and
    every other value with the records holding it."""
    others = _grouped(competing, facts)
    return FieldLineage(field=field, value=value, source=source, rule=rule, competing=others)


def field_conflicts(
    records: Sequence[CustomerRecord], fields: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Fields on which the cluster's records hold different values (see ``value_key``: not case,
    punctuation, or a tax id's country prefix)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for field in fields:
        same = value_key(field)
        candidates = [(r, getattr(r, field, None)) for r in records]
        candidates = [(r, v) for r, v in candidates if v not in (None, "", [])]
        if len({same(r, v) for r, v in candidates}) > 1:
            out[field] = _grouped(candidates)
    return out


def _grouped(
    candidates: Sequence[Candidate], facts: Facts | None = None
) -> list[dict[str, Any]]:
    """Every distinct value with the source records holding it, in ranking order."""
    groups: dict[str, dict[str, Any]] = {}
    for record, value in candidates:
        plain = _plain(value)
        entry = groups.setdefault(repr(plain), {"value": plain, "sources": []})
        entry["sources"].append(facts[id(record)].name if facts else str(record.key))
    return list(groups.values())


def _ref(record: CustomerRecord) -> SourceRef:
    return SourceRef(source_system=record.source_system, source_id=record.source_id)


def _plain(value: Any) -> Any:
    if isinstance(value, Address):
        return value.model_dump()
    return value.isoformat() if hasattr(value, "isoformat") else value
