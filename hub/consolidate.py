"""From clusters of source records to stored golden records — shared by sync runs and steward decisions.

Matching (or a steward) decides which source records belong together; this module turns that into
golden records: stable ids, survivorship with lineage, steward overrides, field conflicts, and one
atomic write with its audit trail and outbox events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from hub.cycle_gc import cycle_collection_paused
from hub.golden import assign_golden_ids
from hub.golden_slices import BuiltSlice, ClusterToBuild, Survivorship, built_slices
from hub.store import HubStore, PairChunks, StaleDecisionsError, StoredMatch
from hub.store.common import DumpedGolden
from schemas import HubConfig, RecordKey, StewardDecision
from schemas.steward import DecisionKind, FieldOverride, NotSameCustomer, SameCustomer, Unmerge

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Clusters = dict[Any, list[RecordKey]]
T = TypeVar("T")


def apply_unmerges(clusters: Clusters, decisions: Sequence[StewardDecision]) -> None:
    """An unmerged record stands alone until a steward says otherwise (a later "same" decision)."""
    unmerged = {d.left for d in decisions if isinstance(d, Unmerge)}
    rejoined = {k for d in decisions if isinstance(d, SameCustomer) for k in (d.left, d.right)}
    unmerged -= rejoined
    if not unmerged:
        return
    for cluster in list(clusters):
        members = clusters[cluster]
        if len(members) > 1:
            for key in [k for k in members if k in unmerged]:
                members.remove(key)
                clusters[("unmerged", str(key))] = [key]


def apply_pair_decisions(clusters: Clusters, decisions: Sequence[StewardDecision]) -> None:
    """Same / not-same verdicts win over clusters computed before they were taken.

    A sync matches for a while before it writes; a steward who splits or joins a pair meanwhile
    (another process, e.g. the workbench) must not be overwritten by that older view. Decisions are
    re-read just before the write and applied in the order they were taken (a later verdict on the
    same pair wins). With clusters that already honour them, this changes nothing.
    """
    where = {key: cluster for cluster, members in clusters.items() for key in members}
    for d in decisions:
        if not isinstance(d, SameCustomer | NotSameCustomer):
            continue
        left, right = where.get(d.left), where.get(d.right)
        if left is None or right is None:
            continue
        if d.kind == DecisionKind.NOT_SAME and left == right:
            clusters[left].remove(d.right)
            where[d.right] = ("not_same", str(d.right))
            clusters[where[d.right]] = [d.right]
        elif d.kind == DecisionKind.SAME and left != right:
            for key in clusters.pop(right):
                clusters[left].append(key)
                where[key] = left


def hold_back(
    clusters: Clusters,
    pairs: PairChunks | None,
    scope: set[RecordKey] | None,
    decided: set[RecordKey],
    membership: Mapping[RecordKey, str],
) -> tuple[Clusters, PairChunks | None, set[RecordKey] | None]:
    """Leave out of a sync's write the records steward decisions rebuilt while the sync matched.

    Such a decision already wrote what a sync computes under it (``hub.stewardship``); the sync's own
    clusters there predate it. Writing them would undo the decision until the next sync redid it (a
    split, then a merge, in the change feed). So every record of a golden record or a computed cluster
    that holds a ``decided`` record (closed over both) keeps its golden record; the next sync matches
    those records again, as they were decided after its watermark.
    """
    if not decided:
        return clusters, pairs, scope
    in_golden: dict[str, list[RecordKey]] = {}
    for key, golden_id in membership.items():
        in_golden.setdefault(golden_id, []).append(key)
    cluster_of = {key: c for c, members in clusters.items() for key in members}
    held: set[RecordKey] = set()
    pending = list(decided)
    while pending:
        key = pending.pop()
        if key in held:
            continue
        held.add(key)
        pending.extend(in_golden.get(membership.get(key, ""), []))
        pending.extend(clusters.get(cluster_of.get(key), []))
    kept = {c: members for c, members in clusters.items() if held.isdisjoint(members)}
    everything = set(membership) | set(cluster_of) if scope is None else scope
    if pairs is not None:
        pairs = _PairsWithout(pairs, frozenset(held))
    return kept, pairs, everything - held


@dataclass(frozen=True)
class _PairsWithout:
    """``pairs`` without those touching a ``held`` record, chunk by chunk, on every pass."""

    pairs: PairChunks
    held: frozenset[RecordKey]

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        sides = (("left_system", "left_id"), ("right_system", "right_id"))
        for chunk in self.pairs:
            yield [p for p in chunk if all(RecordKey(p[s], p[i]) not in self.held for s, i in sides)]


def overrides_by_golden(
    decisions: Sequence[StewardDecision], retired: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Field overrides keyed by the golden id they now apply to (following merges)."""
    out: dict[str, dict[str, Any]] = {}
    for d in decisions:
        if isinstance(d, FieldOverride):
            golden_id = d.golden_id
            while golden_id in retired:
                golden_id = retired[golden_id]
            out.setdefault(golden_id, {})[d.field] = d.value
    return out


def consolidate(
    store: HubStore,
    config: HubConfig,
    clusters: Clusters,
    *,
    run_id: str | None,
    actor: str = "hub",
    pairs: PairChunks | None = None,
    scope: set[RecordKey] | None = None,
    preferred: Mapping[Any, str] | None = None,
    finishing: Callable[[Session], None] | None = None,
) -> dict[str, Any]:
    """Build and store the golden records of ``clusters`` (all of them, or those covering ``scope``).
    ``finishing``: more writes in the same transaction (a run's watermark and the drop of its plan).

    ``pairs`` replaces the scored pairs of the scope (``None`` keeps them: steward decisions);
    ``preferred`` names the golden id a cluster should get when it is free (undo restores old ids).
    """
    with cycle_collection_paused():
        return until_fresh(
            lambda: _consolidate_once(
                store,
                config,
                clusters,
                run_id=run_id,
                actor=actor,
                pairs=pairs,
                scope=scope,
                preferred=preferred,
                finishing=finishing,
            )
        )


def until_fresh(compute: Callable[[], T], attempts: int = 5) -> T:
    """Compute and write again while the write finds it stale (``StaleDecisionsError``: decisions
    were taken meanwhile). Decisions are human-paced, so a few attempts always suffice."""
    for attempt in range(1, attempts + 1):
        try:
            return compute()
        except StaleDecisionsError:
            if attempt == attempts:
                raise
    raise AssertionError("the loop returns or raises")


@dataclass
class Consolidation:
    """Golden records built from clusters, ready to be written (``store.golden.save_match``)."""

    match: StoredMatch
    stats: dict[str, int]


def build_golden_records(
    store: HubStore,
    config: HubConfig,
    clusters: Clusters,
    decisions: Sequence[StewardDecision],
    *,
    run_id: str | None,
    actor: str,
    pairs: PairChunks | None,
    scope: set[RecordKey] | None,
    preferred: Mapping[Any, str] | None,
    decision_version: str | None,
) -> Consolidation:
    """The golden records of ``clusters`` under ``decisions``, computed but not written: a steward
    decision writes them in the same transaction as the decision itself."""
    clusters = {c: list(m) for c, m in clusters.items()}
    apply_pair_decisions(clusters, decisions)
    apply_unmerges(clusters, decisions)
    keys = {k for members in clusters.values() for k in members}
    # only what the id assignment reads: the clusters' own links and the ids a new id could take
    previous = store.golden.membership_of(keys)
    assignment = assign_golden_ids(clusters, previous, store.golden.taken_ids, preferred)
    golden = GoldenBuild(
        store, config, clusters, assignment.ids, overrides_by_golden(decisions, assignment.retired)
    )
    membership = {key: assignment.ids[c] for c, members in clusters.items() for key in members}
    match = StoredMatch(
        golden=golden,
        golden_ids=golden.ids,
        retired=assignment.retired,
        membership=membership,
        pairs=pairs,
        run_id=run_id,
        actor=actor,
        split_from=assignment.split_from,
        conflicts=golden.conflicts,
        scope=scope,
        decision_version=decision_version,
    )
    stats = {
        "golden_records": len(golden.ids),
        "merged_golden_records": sum(1 for m in clusters.values() if len(m) > 1),
        "cross_system_golden_records": sum(
            1 for m in clusters.values() if len({k.source_system for k in m}) > 1
        ),
        "retired": len(assignment.retired),
    }
    return Consolidation(match, stats)


#: Clusters whose records are read and golden records built at a time: what a full run holds at once.
BUILD_SLICE = 5_000


class GoldenBuild:
    """The golden records of ``clusters``, built while they are written, a slice of clusters at a time
    (``hub.golden_slices``: in worker processes when there are many), yielded dumped for the write.

    A full run's golden records held at once, with the source records they were built from, were the
    peak of a sync (1.3 GB more than the matcher's at 100k records, ten times that at a million): here
    each slice's source records are read, its golden records built, written (``collect_golden``
    flushes every ``WRITE_SLICE``) and let go. Iterating again builds them again. ``conflicts``: each
    built record's open field conflicts, filled as the records are built.
    """

    def __init__(
        self,
        store: HubStore,
        config: HubConfig,
        clusters: Clusters,
        ids: Mapping[Any, str],
        overrides: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.store, self.config, self.clusters, self.overrides = store, config, clusters, overrides
        self.labels = list(clusters)
        self.ids = [ids[c] for c in self.labels]
        self.conflicts: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def __iter__(self) -> Iterator[DumpedGolden]:
        """The build starts here (worker processes, when it has them), the records come on ``next``."""
        survivorship = Survivorship({s.name: s.trust for s in self.config.sources}, self.config.survivorship)
        return self._records(built_slices(self.store, survivorship, self._slices(), len(self.labels)))

    def _records(self, slices: Iterator[BuiltSlice]) -> Iterator[DumpedGolden]:
        for built in slices:
            self.conflicts.update(built.conflicts)
            yield from built.golden

    def _slices(self) -> Iterator[list[ClusterToBuild]]:
        for start in range(0, len(self.labels), BUILD_SLICE):
            end = start + BUILD_SLICE
            part = zip(self.labels[start:end], self.ids[start:end], strict=True)
            yield [ClusterToBuild(g, self.clusters[c], self.overrides.get(g)) for c, g in part]


def _consolidate_once(
    store: HubStore,
    config: HubConfig,
    clusters: Clusters,
    *,
    run_id: str | None,
    actor: str,
    pairs: PairChunks | None,
    scope: set[RecordKey] | None,
    preferred: Mapping[Any, str] | None,
    finishing: Callable[[Session], None] | None = None,
) -> dict[str, Any]:
    version = store.decisions.decision_version()
    plan = store.runs.plan(run_id) if run_id else None
    if plan is not None:
        late = store.decisions.decided_since(plan.started_at, undone_too=True)
        if late:  # decisions taken while this run matched: rare, and only then are all links read
            clusters, pairs, scope = hold_back(clusters, pairs, scope, late, store.golden.membership())
    built = build_golden_records(
        store,
        config,
        clusters,
        store.decisions.active_decisions(),
        run_id=run_id,
        actor=actor,
        pairs=pairs,
        scope=scope,
        preferred=preferred,
        decision_version=version,
    )
    counts = store.golden.save_match(built.match, finishing)  # builds the golden records as it writes
    conflicts = sum(len(f) for f in built.match.conflicts.values())
    return {**counts, **built.stats, "field_conflicts": conflicts}
