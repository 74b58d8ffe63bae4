"""Steward decisions take effect at once, do exactly what they name, and stick.

A decision (validated on entry: ``schemas.steward``) is stored in one transaction with its effect, so
a decision that cannot be applied is not stored either. Its effect is what the next sync computes for
the records it names, so that sync changes nothing — no split followed by a merge in the change feed,
no second push:

* "same", "unmerge", and "not the same" on two records of one golden record: the candidate components
  around the named records are matched again under all decisions, as the sync will match them
  (``hub.scoped_match``). "Not the same" separates the two records; the cluster's other records go with
  whichever side the clustering puts them.
* "not the same" on two records already in different golden records changes no golden record: only
  the constraint is recorded (and the pair leaves the review queue).
* a field override rebuilds its golden record with the value.

Undo takes the decision back the same way; a cluster that is the same as before the decision gets its
old golden id back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.consolidate import Clusters, build_golden_records, until_fresh
from hub.scoped_match import match_around
from hub.store import HubStore, PairChunks, PairVerdict, StoredMatch
from schemas import HubConfig, MatchDecision, RecordKey, StewardDecision
from schemas.steward import FieldOverride, NotSameCustomer, SameCustomer, Unmerge


@dataclass
class DecisionOutcome:
    decision_id: int
    golden_ids: list[str]  # the golden records the named source records now belong to


@dataclass
class _Before:
    """The golden records a decision concerns, as they were before it (kept with it, for undo)."""

    clusters: list[list[RecordKey]]
    golden_ids: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "clusters": [[list(k) for k in group] for group in self.clusters],
            "golden_ids": self.golden_ids,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> _Before:
        data = data or {}
        clusters = [[RecordKey(*k) for k in group] for group in data.get("clusters", [])]
        return cls(clusters, list(data.get("golden_ids", [])))


@dataclass
class _Effect:
    match: StoredMatch | None = None
    verdict: PairVerdict | None = None


def _named(decision: StewardDecision) -> list[RecordKey]:
    """The source records a decision names."""
    return [k for k in (getattr(decision, "left", None), getattr(decision, "right", None)) if k is not None]


class Stewardship:
    def __init__(self, store: HubStore, config: HubConfig):
        self.store, self.config = store, config

    # ---- deciding ------------------------------------------------------------------------------

    def decide(self, decision: StewardDecision) -> DecisionOutcome:
        """Apply and store ``decision``; ``LookupError`` if a record or golden record it names is not
        in the hub (then nothing is stored)."""
        return until_fresh(lambda: self._decide_once(decision))

    def _decide_once(self, decision: StewardDecision) -> DecisionOutcome:
        version, head = self.store.decisions.decision_version(), self.store.outbox.outbox_head()
        before = self._before(decision)
        if isinstance(decision, Unmerge):  # the history shows it on the golden record it left
            decision = decision.model_copy(update={"golden_id": before.golden_ids[0]})
        decisions = [*self.store.decisions.active_decisions(), decision]
        if isinstance(decision, NotSameCustomer) and len(set(before.golden_ids)) > 1:
            effect = _Effect(verdict=self._verdict(decision, MatchDecision.DISTINCT))
        else:
            effect = self._rebuild(decision, decisions, before, version, head)
        after = self._golden_ids_after(decision, before, effect)
        decision_id = self.store.decisions.save_decision(
            decision, before=before.as_json(), golden_ids=after, match=effect.match, verdict=effect.verdict
        )
        return DecisionOutcome(decision_id, after)

    def _before(self, decision: StewardDecision) -> _Before:
        if isinstance(decision, FieldOverride):
            golden = self.store.golden.get_golden(decision.golden_id)
            if golden is None:
                raise LookupError(f"no golden record {decision.golden_id}")
            return _Before([self.store.golden.members(golden.golden_id)], [golden.golden_id])
        groups: dict[str, list[RecordKey]] = {}
        for key in _named(decision):
            golden_id = self.store.golden.golden_id_of(key)
            if golden_id is None:
                raise LookupError(f"no source record {key} in the hub")
            if golden_id not in groups:
                groups[golden_id] = self.store.golden.members(golden_id)
        return _Before(list(groups.values()), list(groups))

    def _rebuild(
        self,
        decision: StewardDecision,
        decisions: list[StewardDecision],
        before: _Before,
        version: str,
        head: int,
        preferred_from: _Before | None = None,
    ) -> _Effect:
        """The golden records around the decision's records under ``decisions``, as the sync builds them."""
        pairs: PairChunks | None = None
        if isinstance(decision, FieldOverride):
            clusters: Clusters = {before.golden_ids[0]: before.clusters[0]}
            scope = set(before.clusters[0])
        else:
            scoped = match_around(self.store, self.config, _named(decision), decisions)
            clusters, pairs, scope = scoped.clusters, [scoped.pairs], scoped.scope  # one chunk
        preferred: dict[Any, str] = {}
        if preferred_from is not None:  # undo: a cluster as it was before the decision gets its old id
            old = {
                frozenset(g): i
                for g, i in zip(preferred_from.clusters, preferred_from.golden_ids, strict=True)
            }
            preferred = {c: old[frozenset(m)] for c, m in clusters.items() if frozenset(m) in old}
        built = build_golden_records(
            self.store,
            self.config,
            clusters,
            decisions,
            run_id=None,
            actor=decision.user,
            pairs=pairs,
            scope=scope,
            preferred=preferred,
            decision_version=version,
        )
        built.match.outbox_head = head
        return _Effect(match=built.match)

    @staticmethod
    def _verdict(
        decision: SameCustomer | NotSameCustomer, verdict: MatchDecision, note: str = ""
    ) -> PairVerdict:
        return PairVerdict(
            decision.left,
            decision.right,
            verdict.value,
            note or f"steward_{decision.kind.value}:{decision.user}",
        )

    def _golden_ids_after(self, decision: StewardDecision, before: _Before, effect: _Effect) -> list[str]:
        if effect.match is None:
            return sorted(set(before.golden_ids))
        if isinstance(decision, FieldOverride):
            return list(before.golden_ids)
        return sorted({effect.match.membership[k] for k in _named(decision) if k in effect.match.membership})

    # ---- undo ----------------------------------------------------------------------------------

    def undo_last(self, user: str) -> StewardDecision | None:
        """Take back the user's latest active decision and its effect; ``None`` if there is none."""
        last = self.store.decisions.last_decision(user)
        if last is None:
            return None
        decision_id, decision, before = last
        until_fresh(lambda: self._undo_once(decision_id, decision, _Before.from_json(before), user))
        return decision

    def _undo_once(
        self, decision_id: int, decision: StewardDecision | None, before: _Before, user: str
    ) -> None:
        version, head = self.store.decisions.decision_version(), self.store.outbox.outbox_head()
        effect = _Effect()
        if decision is None:  # a stored row that is no valid decision never had an effect to take back
            pass
        elif isinstance(decision, NotSameCustomer) and len(set(before.golden_ids)) > 1:
            effect = _Effect(verdict=self._verdict(decision, MatchDecision.REVIEW, f"undone_by:{user}"))
        else:
            remaining = self.store.decisions.active_decisions(excluding=decision_id)
            now = self._current(decision)
            if now is not None:
                effect = self._rebuild(decision, remaining, now, version, head, preferred_from=before)
        self.store.decisions.undo_decision(decision_id, user, match=effect.match, verdict=effect.verdict)

    def _current(self, decision: StewardDecision) -> _Before | None:
        """The golden records a decision concerns now (``None``: they are gone, e.g. erased)."""
        try:
            return self._before(decision)
        except LookupError:
            return None
