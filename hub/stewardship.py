"""Steward decisions take effect at once and are kept as constraints for every later run.

A decision changes the golden records it touches immediately (scoped consolidation: no re-match of
the whole hub), is audited with the steward's user name, and stays active so the next sync's matcher
honours it (must-link, cannot-link, unmerge, override). Undo restores the clusters the decision changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.consolidate import Clusters, consolidate
from hub.store import HubStore
from schemas import HubConfig, MatchDecision, RecordKey, StewardDecision
from schemas.steward import DecisionKind


@dataclass
class DecisionOutcome:
    decision_id: int
    golden_ids: list[str]  # the golden records the affected source records now belong to


class Stewardship:
    def __init__(self, store: HubStore, config: HubConfig):
        self.store, self.config = store, config

    def _group(self, key: RecordKey) -> list[RecordKey]:
        golden_id = self.store.golden_id_of(key)
        if golden_id is None:
            raise LookupError(f"no source record {key} in the hub")
        return self.store.members(golden_id)

    def _current_clusters(self, decision: StewardDecision) -> Clusters:
        if decision.kind == DecisionKind.FIELD_OVERRIDE:
            golden = self.store.get_golden(decision.golden_id)
            if golden is None:
                raise LookupError(f"no golden record {decision.golden_id}")
            return {golden.golden_id: self.store.members(golden.golden_id)}
        groups = {tuple(self._group(k)) for k in (decision.left, decision.right) if k is not None}
        return {i: list(g) for i, g in enumerate(sorted(groups))}

    @staticmethod
    def _changed(decision: StewardDecision, clusters: Clusters) -> Clusters:
        members = [k for group in clusters.values() for k in group]
        if decision.kind == DecisionKind.SAME:
            return {0: members}
        if decision.kind in (DecisionKind.NOT_SAME, DecisionKind.UNMERGE):
            moved = decision.right if decision.kind == DecisionKind.NOT_SAME else decision.left
            out = {i: [k for k in group if k != moved] for i, group in clusters.items()}
            out = {i: g for i, g in out.items() if g}
            out["moved"] = [moved]
            return out
        return dict(clusters)

    def decide(self, decision: StewardDecision) -> DecisionOutcome:
        before = self._current_clusters(decision)
        snapshot = {
            "clusters": [[list(k) for k in group] for group in before.values()],
            "golden_ids": [self.store.golden_id_of(group[0]) for group in before.values()],
        }
        decision_id = self.store.add_decision(decision, before=snapshot)
        if decision.kind in (DecisionKind.SAME, DecisionKind.NOT_SAME):
            verdict = MatchDecision.MATCH if decision.kind == DecisionKind.SAME else MatchDecision.DISTINCT
            self.store.set_pair_decision(
                decision.left, decision.right, verdict.value, f"steward_{decision.kind.value}:{decision.user}"
            )
        after = self._changed(decision, before)
        return DecisionOutcome(decision_id, self._apply(after, decision.user))

    def _apply(self, clusters: Clusters, actor: str, preferred: dict[Any, str] | None = None) -> list[str]:
        scope = {k for group in clusters.values() for k in group}
        consolidate(
            self.store, self.config, clusters, run_id=None, actor=actor, scope=scope, preferred=preferred
        )
        return sorted({self.store.golden_id_of(k) for k in scope})

    def undo_last(self, user: str) -> StewardDecision | None:
        """Take back the user's latest decision: deactivate it and restore the clusters it changed."""
        last = self.store.last_decision(user)
        if last is None:
            return None
        decision_id, decision, before = last
        self.store.deactivate_decision(decision_id, user)
        if decision.kind in (DecisionKind.SAME, DecisionKind.NOT_SAME):
            self.store.set_pair_decision(
                decision.left, decision.right, MatchDecision.REVIEW.value, f"undone_by:{user}"
            )
        clusters: dict[Any, list[RecordKey]] = {
            i: [RecordKey(*k) for k in group] for i, group in enumerate((before or {}).get("clusters", []))
        }
        ids = dict(enumerate((before or {}).get("golden_ids", [])))
        if clusters:
            self._apply(clusters, user, preferred={i: g for i, g in ids.items() if g})
        return decision
