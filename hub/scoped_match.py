"""What the next sync will compute for a few records, computed now: a steward decision's effect.

After a decision the next sync re-matches the candidate components of every record the decision names
(``store.decisions.decided_since``), with the stored model and every active decision as constraints, and
rebuilds the golden records those components touch (``hub.rematch.affected_scope``). A decision that
did anything else — a hand-made split, a whole-cluster merge — would be undone by that sync, and the
golden ids would flap downstream. So a decision computes exactly what the sync will: the same scope,
the same model, the same matcher. Components are independent (``matching.candidate_components``), so
the sync, matching these components among others, gives these records the same clusters again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.consolidate import Clusters
from hub.rematch import affected_scope
from hub.store import HubStore
from schemas import HubConfig, RecordKey, StewardDecision


@dataclass
class ScopedMatch:
    clusters: Clusters  # cluster label -> the live records in it
    pairs: list[dict[str, Any]]  # the scope's match and review pairs, as a sync stores them
    scope: set[RecordKey]  # records whose golden records are rebuilt (live or deleted)


def match_around(
    store: HubStore, config: HubConfig, keys: Iterable[RecordKey], decisions: Sequence[StewardDecision]
) -> ScopedMatch:
    """Match the candidate components around ``keys`` as the next incremental sync will, under
    ``decisions`` (the active ones, with a new one added or an undone one left out)."""
    from matching import Constraints, MatchModel, candidate_components, match_frame

    stored = store.runs.active_model()
    if stored is None:
        raise LookupError("the hub has no match model yet: run a sync before deciding")
    model = MatchModel.model_validate(stored)
    constraints = Constraints.from_decisions(decisions)
    frame = store.staging.load_match_frame()
    components = candidate_components(frame, model, constraints)
    plan = affected_scope(frame, components, set(keys), store.golden.links_frame())
    clusters: Clusters = {}
    pairs: list[dict[str, Any]] = []
    if plan.frame.height:
        result = match_frame(plan.frame, config=config.matching, constraints=constraints, model=model)
        for system, source_id, label in result.clusters.select(
            "source_system", "source_id", "cluster_id"
        ).iter_rows():
            clusters.setdefault(label, []).append(RecordKey(system, source_id))
        # as the sync stores them: through JSON (numpy numbers become plain ones)
        pairs = json.loads(json.dumps([p for chunk in result.pair_rows() for p in chunk], default=str))
    if plan.scope is None:  # affected_scope always names the records it rebuilds
        raise RuntimeError("a scoped match needs a scope")
    return ScopedMatch(clusters, pairs, plan.scope)
