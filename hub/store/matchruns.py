"""Match runs: trained match models, and the plans and shard results of sharded runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import polars as pl
from sqlalchemy import Table, func, literal, select
from sqlalchemy.orm import Session, sessionmaker

from hub.cycle_gc import cycle_collection_paused
from hub.models import MatchModelRow, MatchPlanCluster, MatchPlanPair, MatchPlanRow, MatchPlanRun, core_table
from hub.store.bulk_rows import insert_frame
from hub.store.common import Repository
from hub.store.table_statistics import note_emptied
from schemas import RecordKey


class MatchRunRepository(Repository):
    """Models and sharded match plans: what a matching run needs besides the records."""

    def save_model(self, model: dict[str, Any], trained_on_records: int) -> int:
        with self.sessions.begin() as session:
            row = MatchModelRow(model=model, trained_on_records=trained_on_records)
            session.add(row)
            session.flush()
            return row.id

    def model(self, model_id: int) -> dict[str, Any]:
        with self.sessions() as session:
            return session.get_one(MatchModelRow, model_id).model

    def active_model_id(self) -> int | None:
        with self.sessions() as session:
            return session.scalar(select(func.max(MatchModelRow.id)))

    def active_model(self) -> dict[str, Any] | None:
        with self.sessions() as session:
            return session.scalar(select(MatchModelRow.model).order_by(MatchModelRow.id.desc()).limit(1))

    def save_plan(self, plan: MatchPlanRun, rows: pl.DataFrame) -> None:
        """Store a run's plan (replacing an earlier attempt of the same run): each record and its shard
        (``rows``: ``source_system, source_id, shard``)."""
        with self.sessions.begin() as session:
            self.drop_plan_in(session, plan.run_id)
            session.add(plan)
            session.flush()
            columns = rows.select("source_system", "source_id", "shard").with_columns(
                run_id=pl.lit(plan.run_id, dtype=pl.Utf8)
            )
            insert_frame(session, core_table(MatchPlanRow), columns)

    def plan(self, run_id: str) -> MatchPlanRun | None:
        with self.sessions() as session:
            return session.get(MatchPlanRun, run_id)

    def save_shard(
        self,
        run_id: str,
        shard: int,
        clusters: dict[RecordKey, str],
        pair_chunks: Iterable[pl.DataFrame],
    ) -> int:
        """One shard's clusters and pairs; a retried shard replaces what an earlier attempt wrote.
        The pairs come in frames (``MatchResult.pair_frames``: explanations as JSON text), each written
        as it comes, so that a million records' pairs never exist as Python objects at all; returns
        how many."""
        written = 0
        with self.sessions.begin() as session:
            for model in (MatchPlanPair, MatchPlanCluster):
                table = core_table(model)
                session.execute(table.delete().where(table.c.run_id == run_id, table.c.shard == shard))
            labels = pl.DataFrame(  # inserted as columns (COPY on PostgreSQL), no dict per record
                {
                    "source_system": [key.source_system for key in clusters],
                    "source_id": [key.source_id for key in clusters],
                    "cluster": list(clusters.values()),
                },
                schema={"source_system": pl.Utf8, "source_id": pl.Utf8, "cluster": pl.Utf8},
            )
            mine = {"run_id": pl.lit(run_id, dtype=pl.Utf8), "shard": pl.lit(shard, dtype=pl.Int64)}
            insert_frame(session, core_table(MatchPlanCluster), labels.with_columns(**mine))
            for pairs in pair_chunks:  # each frame straight to the driver (``bulk_rows``)
                insert_frame(session, core_table(MatchPlanPair), pairs.with_columns(**mine))
                written += pairs.height
        return written

    def plan_results(self, run_id: str) -> PlanResults:
        """(cluster label -> members, every planned key, shards that did not report) of a run; its
        pairs: ``plan_pairs``. Read in key order: the golden records are written in the order their
        clusters come, and PostgreSQL's heap order follows what its free space held, so that a change
        elsewhere (another table's index built later) once reordered a run's events."""
        table, labels = core_table(MatchPlanRow), core_table(MatchPlanCluster)
        # two plain reads, not an outer join: PostgreSQL planned the join of two tables refilled since
        # their statistics as if the run had one row, and a 1M re-sync's read ran for over ten minutes
        with self.sessions() as session:
            label_of = {
                RecordKey(system, source_id): cluster
                for system, source_id, cluster in session.execute(
                    select(labels.c.source_system, labels.c.source_id, labels.c.cluster).where(
                        labels.c.run_id == run_id
                    )
                )
            }
            columns = select(table.c.source_system, table.c.source_id, table.c.shard)
            mine = columns.where(table.c.run_id == run_id).order_by(table.c.source_system, table.c.source_id)
            return grouped_results(session.execute(mine), label_of)

    def plan_pairs(self, run_id: str) -> PlanPairs:
        """The pairs the run's shards reported, read a chunk at a time as they are written on."""
        return PlanPairs(self.sessions, run_id)

    def drop_plan(self, run_id: str) -> None:
        with self.sessions.begin() as session:
            self.drop_plan_in(session, run_id)

    @staticmethod
    def drop_plan_in(session: Session, run_id: str) -> None:
        """A run's plan deleted; the tables of the records and their labels count as emptied (a plan
        is one run's, and the next plan fills them again: ``table_statistics``)."""
        for model in (MatchPlanRow, MatchPlanCluster, MatchPlanPair, MatchPlanRun):
            session.execute(core_table(model).delete().where(core_table(model).c.run_id == run_id))
        for model in (MatchPlanRow, MatchPlanCluster):
            note_emptied(session, core_table(model).name)


#: A plan's outcome (``MatchRunRepository.plan_results``): cluster label -> members (in key order), every
#: planned key, the shards that have not reported.
PlanResults = tuple[dict[str, list[RecordKey]], set[RecordKey], list[int]]


def grouped_results(rows: Iterable[tuple[str, str, int]], label_of: Mapping[RecordKey, str]) -> PlanResults:
    """A plan's ``source_system, source_id, shard`` rows, in key order, grouped by their cluster labels:
    the store's read and a plan kept in memory (``hub.plan_in_process``) alike. A key per record, all
    kept: the cyclic collector is paused meanwhile (no collection needs to walk them)."""
    clusters: dict[str, list[RecordKey]] = {}
    keys: set[RecordKey] = set()
    missing: set[int] = set()
    with cycle_collection_paused():
        for system, source_id, shard in rows:
            key = RecordKey(system, source_id)
            keys.add(key)
            cluster = label_of.get(key)
            if shard >= 0 and cluster is None:
                missing.add(shard)
            elif cluster is not None:
                clusters.setdefault(cluster, []).append(key)
    return clusters, keys, sorted(missing)


#: Plan pairs read and decoded at a time.
PLAN_PAIR_CHUNK = 20_000
#: A pair's columns, as ``MatchResult.pair_rows`` gives them and ``match_pairs`` stores them.
PAIR_ROW = ("left_system", "left_id", "right_system", "right_id", "score", "decision", "explanation")


class PlanPairs:
    """A run's reported pairs (``match_plan_pairs``) as :data:`~hub.store.common.PairChunks`: each pass
    reads them anew in id order (the order the shards wrote them, on every backend), a chunk at a time;
    a million records' pairs decoded at once were most of the golden step's peak. ``decisions``: how
    many pairs of each decision the last complete pass (or copy) read.

    :meth:`copy_to` writes them to ``match_pairs`` without reading them here at all: the golden step
    of a 100k-record run spent 7 of its 18 s in this process decoding the pairs and encoding them
    again for ``match_pairs``."""

    def __init__(self, sessions: sessionmaker[Session], run_id: str, chunk: int = PLAN_PAIR_CHUNK) -> None:
        self.sessions, self.run_id, self.chunk = sessions, run_id, chunk
        self.decisions: Counter[str] = Counter()

    def __iter__(self) -> Iterator[list[dict[str, Any]]]:
        counted: Counter[str] = Counter()
        table = core_table(MatchPlanPair)
        after = 0
        while True:
            query = (
                select(table.c.id, *(table.c[name] for name in PAIR_ROW))
                .where(table.c.run_id == self.run_id, table.c.id > after)
                .order_by(table.c.id)
                .limit(self.chunk)
            )
            with self.sessions() as session:
                rows = session.execute(query).all()
            if not rows:
                break
            after = rows[-1][0]
            pairs = [dict(zip(PAIR_ROW, row[1:], strict=True)) for row in rows]
            counted.update(str(pair["decision"]) for pair in pairs)
            yield pairs
        self.decisions = counted

    def copy_to(self, session: Session, target: Table, **columns: Any) -> None:
        """Every pair as a row of ``target`` (``match_pairs``), in id order, in one INSERT ... SELECT of
        the caller's transaction; ``columns``: ``target``'s other columns, the same for every row."""
        table = core_table(MatchPlanPair)
        mine = table.c.run_id == self.run_id
        constants = [literal(value, target.c[name].type).label(name) for name, value in columns.items()]
        rows = select(*(table.c[name] for name in PAIR_ROW), *constants).where(mine).order_by(table.c.id)
        session.execute(target.insert().from_select([*PAIR_ROW, *columns], rows))
        counts = select(table.c.decision, func.count()).where(mine).group_by(table.c.decision)
        self.decisions = Counter({str(decision): n for decision, n in session.execute(counts)})
