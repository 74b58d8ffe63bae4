"""A match plan kept in the process that made it: ``crmhub sync`` plans, matches every shard and writes
the golden records in one process (``SyncPipeline.match``), so its shards take their records from the
plan, and the golden write takes the shards' clusters from them, without a round trip through the
store. The Airflow DAG's tasks run in processes of their own and go through the store instead
(``match_plan``, ``match_plan_clusters``): one plan, two ways to carry it, the same outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import polars as pl

from hub.store.common import KEY_COLUMNS
from hub.store.matchruns import PlanResults, grouped_results
from schemas import RecordKey

if TYPE_CHECKING:
    from matching import Constraints, MatchModel, MatchResult
    from schemas import MatchingConfig

@dataclass(frozen=True)
class PlanInProcess:
    """A plan, its records and, as the shards report them, their clusters."""

    run_id: str
    frame: pl.DataFrame  # every live record, as ``load_match_frame`` read it
    features: pl.DataFrame  # ``match_features(frame)``
    matched: pl.DataFrame  # the records this run matches (``MatchScope.frame``)
    shard: pl.Series  # the shard of each row of ``matched``
    #: every stored link as the plan read it (incremental runs; ``GoldenRepository.links_frame``): a
    #: shard finds its kept clusters with it. A decision taken since only makes a kept cluster one
    #: that is left as stored, and the next run re-matches what it decided
    links: pl.DataFrame | None
    #: shard 0's records, their features and their match, made by the plan while its search keys were
    #: written (``with_first_match``)
    first_match: tuple[pl.DataFrame, pl.DataFrame | None, MatchResult] | None = None
    #: ``source_system, source_id, shard`` of every planned record, the deleted ones in shard -1: what
    #: the plan would have stored as its rows (``MatchRunRepository.save_plan``)
    planned: pl.DataFrame | None = None
    #: each reported record's cluster label, and the shards that reported (``report``)
    labels: dict[RecordKey, str] = field(default_factory=dict)
    reported: set[int] = field(default_factory=set)

    def records(self, shard: int) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        """The shard's records and their features, as ``match_shard`` would otherwise read them."""
        from matching import features_of

        frame = self.matched.filter(self.shard == shard)
        return frame, features_of(self.features, self.frame, frame)

    def with_first_match(
        self, model: MatchModel, constraints: Constraints, config: MatchingConfig
    ) -> PlanInProcess:
        """This plan with shard 0 matched (when it has records): the run's model and the decisions
        the plan read (a decision taken since is the next run's, as it is for a kept cluster)."""
        from matching import match_frame

        frame, features = self.records(0)
        if not frame.height:
            return self
        match = match_frame(frame, config=config, constraints=constraints, model=model, features=features)
        return replace(self, first_match=(frame, features, match))

    def report(self, shard: int, clusters: dict[RecordKey, str]) -> None:
        """A shard's clusters (record -> label), kept here instead of in ``match_plan_clusters``."""
        self.labels.update(clusters)
        self.reported.add(shard)

    def results(self) -> PlanResults:
        """``MatchRunRepository.plan_results`` of this plan, from memory: the clusters' members in key
        order -- the order the store's read gives on SQLite and on PostgreSQL with the ``C`` collation
        (code points; another collation orders the read-back, and so the written golden records and
        their events, by its own rules)."""
        if self.planned is None:
            raise LookupError(f"run {self.run_id!r}: the plan's records were never set")
        return grouped_results(self.planned.sort(KEY_COLUMNS).iter_rows(), self.labels)
