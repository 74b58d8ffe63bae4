"""The sync pipeline as the steps the CLI and the Airflow DAG both call: extract (per source), match
(plan, one step per shard of candidate components, merge into golden records), publish (per source).

No Airflow here: the DAG's tasks are one-line calls into :class:`SyncPipeline`, which keeps the whole
flow testable in-process (``run`` does every step in order). Each step writes a run-log entry.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from connectors.base import OrderPage, Page, PushUpdate, SourceConnector
from connectors.credentials import Credentials, CredentialsProvider, credentials_from_env
from connectors.registry import build_connector, connector_class, connector_module
from hub.consolidate import consolidate
from hub.cycle_gc import batch_pace
from hub.db import SQLITE_LOCK_WAIT, in_memory
from hub.echoes import field_value
from hub.erasure_queue import ErasureQueue
from hub.feature_cache import FeatureCache
from hub.killpoints import checkpoint
from hub.models import MatchPlanRun, utcnow
from hub.parked_pushes import ParkedPushes
from hub.plan_in_process import PlanInProcess
from hub.prefetch import prefetched_groups
from hub.push_preflight import check_push_configuration
from hub.quarantine import QuarantineBook
from hub.rematch import KEPT, MatchScope, affected_scope, touching, unchanged_clusters
from hub.row_digests import RowDigests
from hub.run_report import RunFailedError, SyncSummary, run_problems
from hub.run_step import RunStep, run_step
from hub.source_erasure import carry_out_deletes
from hub.source_workers import (
    PUBLISH_WORTH_WORKERS,
    SourceOutcome,
    run_per_source,
    running_aside,
    start_fork_server,
    worker_count,
)
from hub.store import CUSTOMERS_STREAM, HUB_SOURCE, ORDERS_STREAM, HubStore, StageStats, content_hash
from hub.store.common import KEY_COLUMNS, key_frame
from hub.store.matchruns import PlanResults
from hub.store.outbox import PushedGolden
from hub.sync_lock import SyncLock
from hub.webhook_inbox import WebhookInbox
from schemas import HubConfig, MatchingConfig, RecordKey, SourceConfig
from schemas.customer import CustomerFields
from schemas.steward import DecisionKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from matching import MatchResult

#: The sync-cursor stream under which each source's publish step keeps its place in the outbox.
OUTBOX_STREAM = "outbox"
#: Where the matching step keeps the time of its last run (records changed after it are re-matched).
MATCH_STREAM = "match"
#: On SQLite, how long (seconds) a step run beside the match waits for its writes (``SourceStep.patient``).
ASIDE_LOCK_WAIT = 3_600.0
#: How many pages a source's reader may run ahead of staging. Those waiting when staging is ready for
#: the next are stored together, in one transaction with the last one's cursor (``prefetched_groups``).
PAGES_AHEAD = 8
T = TypeVar("T")


def new_run_id() -> str:
    return f"manual__{uuid.uuid4().hex[:12]}"


class SyncPipeline:
    def __init__(
        self,
        config: HubConfig,
        store: HubStore | None = None,
        credentials: CredentialsProvider = credentials_from_env,
    ):
        self.config = config
        self.store = store or HubStore(config.database_url)
        self.credentials = credentials
        self.lock = SyncLock(self.store)
        #: The plan while ``match`` runs the shards in this process: they take their records and
        #: features from it instead of reading and normalising again (tasks of a DAG cannot)
        self._planned: PlanInProcess | None = None
        self._keep_plan = False

    @contextmanager
    def step(self, run_id: str, name: str, source: str | None = None) -> Iterator[RunStep]:
        """A step's run-log entry (see :mod:`hub.run_step`). Every step holds the sync lock for its run
        (see :mod:`hub.sync_lock`): a step of another, live run is refused; one killed mid-way is
        found here and marked failed."""
        self.lock.hold(run_id)
        with batch_pace(), run_step(self.store, self.store.runlog.start_step(run_id, name, source)) as step:
            yield step

    def connector(self, source: SourceConfig) -> SourceConnector:
        creds = self.credentials(source.connection_id) if source.connection_id else Credentials()
        return build_connector(source, creds)

    # ---- extract -------------------------------------------------------------------------------

    def extract(
        self, source_name: str, run_id: str, full_refresh: bool = False, orders: bool = True
    ) -> dict[str, Any]:
        """Pull what changed since the stored cursor, page by page; each page commits with its cursor.
        Then the source's orders, unless ``orders`` is false (``extract_orders`` pulls them apart)."""
        source = self.config.source(source_name)
        with self.step(run_id, "extract", source_name) as step:
            connector = self.connector(source)
            cursor = None if full_refresh else self.store.staging.get_cursor(source_name)
            inbox = WebhookInbox(self.store)
            announced, up_to = inbox.pending(source_name) if connector.reads_announced else ([], 0)
            connector.announced_ids = announced
            stats, counts = self._stage_pulled(connector, source_name, run_id, cursor, full_refresh, step)
            if announced:  # staged: what the webhooks announced has been read
                inbox.clear(source_name, up_to)
            stats.add(QuarantineBook(self.store).stage_released(source, run_id))  # steward-released rows
            pulled = self._extract_orders(connector, source_name, run_id, full_refresh) if orders else {}
            step.stats = {**asdict(stats), **counts, **pulled}
        return step.stats

    def extract_orders(self, source_name: str, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
        """A source's orders as a step of their own (``extract-orders``), so that ``crmhub sync`` can
        pull them on another core, beside the match (``extract_units``). Orders have their own cursor
        and write no customer row."""
        source = self.config.source(source_name)
        with self.step(run_id, "extract-orders", source_name) as step:
            step.stats = self._extract_orders(self.connector(source), source_name, run_id, full_refresh)
        return step.stats

    def _stage_pulled(
        self,
        connector: SourceConnector,
        source_name: str,
        run_id: str,
        cursor: str | None,
        full_refresh: bool = False,
        step: RunStep | None = None,
    ) -> tuple[StageStats, dict[str, int]]:
        """Pull from ``cursor`` and stage page by page, each page with its cursor (the pages that waited
        while the last was being staged together, with the last one's: ``PAGES_AHEAD``). A row seen before
        is not mapped again (:mod:`connectors.row_digest`; a full refresh maps all); a page of only
        such rows stores nothing, its cursor is written with the next stored page or at the end. The
        counts include the connector's :attr:`~connectors.base.SourceConnector.pull_notes`."""
        stats, pages, by_digest = StageStats(), 0, 0
        connector.known_digests = None if full_refresh else RowDigests(self.store).lookup(source_name)
        held = None  # the cursor after pages of only unchanged rows, written with the next page
        for group in prefetched_groups(connector.pull(cursor), PAGES_AHEAD):
            page = Page.joined(group)
            checkpoint("extract.fetched")
            if page.records or page.quarantined:
                staging = self.store.staging
                stats.add(
                    staging.stage_page(
                        source_name,
                        page.records,
                        page.quarantined,
                        page.cursor,
                        run_id,
                        row_digests=page.row_digests,
                    )
                )
                held = None
            elif page.cursor is not None:  # nothing to store: no transaction only to move the cursor
                held = page.cursor
            stats.add(StageStats(unchanged=len(page.unchanged)))
            pages, by_digest = pages + len(group), by_digest + len(page.unchanged)
            if step is not None:
                step.stats = {**asdict(stats), "pages": pages, "unchanged_by_digest": by_digest}
            checkpoint("extract.staged")
        if held is not None:  # lagging behind the pages is safe: they are re-read, unchanged
            self.store.staging.set_cursor(source_name, held, stream=CUSTOMERS_STREAM)
        # how the connector read (the web shop: whether it scanned), so the run log says it
        return stats, {"pages": pages, "unchanged_by_digest": by_digest, **connector.pull_notes}

    def _extract_orders(
        self, connector: SourceConnector, source: str, run_id: str, full_refresh: bool
    ) -> dict[str, int]:
        if not connector.supports_orders:
            return {}
        cursor = None if full_refresh else self.store.staging.get_cursor(source, stream=ORDERS_STREAM)
        count = 0
        for group in prefetched_groups(connector.pull_orders(cursor), PAGES_AHEAD):
            page = OrderPage.joined(group)
            staging = self.store.staging
            count += staging.stage_orders(source, page.orders, page.quarantined, page.cursor, run_id)
            checkpoint("orders.staged")
        return {"orders": count}

    # ---- match ---------------------------------------------------------------------------------

    def match(self, run_id: str, rematch_all: bool = False) -> dict[str, Any]:
        """Plan, match every shard, and consolidate — in this process (the DAG runs the shards as
        mapped tasks instead)."""
        self._keep_plan = True
        try:
            for shard in self.plan_match(run_id, rematch_all):
                self.match_shard(run_id, shard)
            # the shards' clusters, from memory (the plan's records and features are let go here)
            results = self._planned.results() if self._planned else None
        finally:
            self._keep_plan, self._planned = False, None
        return self.finish_match(run_id, results)

    def _constraints(self) -> Any:
        from matching import Constraints

        decisions = self.store.decisions.active_decisions()
        return Constraints(
            must_link=[(d.left, d.right) for d in decisions if d.kind == DecisionKind.SAME],
            cannot_link=[(d.left, d.right) for d in decisions if d.kind == DecisionKind.NOT_SAME],
        )

    def plan_match(self, run_id: str, rematch_all: bool = False) -> list[int]:
        """Decide what this run matches and split it into shards of whole candidate components.

        Everything (first run, ``rematch_all`` — which retrains the model — or a model of an older
        engine), or only the components holding new, changed, deleted or steward-decided records.
        """
        from matching import MatchModel, candidate_components, train_model

        started = utcnow()
        with self.step(run_id, "match-plan") as step:
            constraints = self._constraints()
            stored = self.store.runs.active_model()
            watermark = self.store.staging.get_cursor(HUB_SOURCE, stream=MATCH_STREAM)
            why_retrain = _retrain_reason(stored, rematch_all, self.config.matching)
            why_full = why_retrain or (None if watermark else "no match run yet on this store")
            full = why_full is not None
            dirty: set[RecordKey] = set()
            normalised = 0
            if not full:
                dirty = self._dirty()
            if not full and not dirty:  # nothing new, changed or decided: nothing to normalise or match
                searchable = self.store.staging.refresh_search_keys()
                plan, shard_of = MatchScope.nothing(), _EMPTY_SHARDS
                model_id = self.store.runs.active_model_id()
                records = self.store.staging.live_count()
            else:
                frame = self.store.staging.load_match_frame()
                records = frame.height
                # normalised once, for the search keys, the model and the components; only the records
                # new or changed since the last plan (the rest come from its cache)
                features, normalised = FeatureCache(self.store).features(frame)
                with self._meanwhile(
                    lambda: self.store.staging.refresh_search_keys(known=(frame, features), as_of=started)
                ) as search_keys:
                    if why_retrain:  # the stored model no longer describes this engine (or there is none)
                        # the stewards' decisions so far are labels: they re-estimate m, calibrate thresholds
                        model = train_model(
                            frame, config=self.config.matching, constraints=constraints, features=features
                        )
                    else:
                        model = MatchModel.model_validate(stored)
                    components = candidate_components(frame, model, constraints, features=features)
                    links = None if full else self.store.golden.links_frame()
                    if links is None:
                        whole = components["component"].n_unique()
                        plan = MatchScope(frame=frame, scope=None, components=whole)
                    else:
                        plan = affected_scope(frame, components, dirty, links)
                    shard_of = _shards_of(plan.frame, components, self.config.matching.shards)
                    if self._keep_plan:
                        planned = PlanInProcess(run_id, frame, features, plan.frame, shard_of["shard"], links)
                        # the first shard's matching reads and writes nothing: done while the keys are
                        # written, which left this process waiting ~1.5 s of a 100k plan
                        self._planned = planned.with_first_match(model, constraints, self.config.matching)
                searchable = search_keys.result()
                if why_retrain:
                    self.store.runs.save_model(model.model_dump(mode="json"), frame.height)
                model_id = self.store.runs.active_model_id()
            shards = self.config.matching.shards
            rows = _with_deleted(shard_of.select("source_system", "source_id", "shard"), plan.scope)
            if self._planned is not None and self._planned.run_id == run_id:
                # this process's shards and golden write take the rows from memory: none stored
                self._planned = replace(self._planned, planned=rows)
                rows = rows.clear()
            stats = {
                "mode": "full" if full else "incremental",
                **({"full_because": why_full} if why_full else {}),
                "records": records,
                "rematched_records": plan.frame.height,
                "rematched_components": plan.components,
                "normalised_records": normalised,
                "search_keys_refreshed": searchable,
            }
            self.store.runs.save_plan(
                MatchPlanRun(
                    run_id=run_id,
                    full=full,
                    shards=shards,
                    model_id=model_id,
                    started_at=started,
                    stats=stats,
                ),
                rows,
            )
            step.stats = stats
        return list(range(shards))

    @contextmanager
    def _meanwhile(self, write: Callable[[], T]) -> Iterator[Future[T]]:
        """``write`` on a thread of its own while the block computes; done when the block ends, so the
        store still has one writer at a time (SQLite takes no other). The search keys' write is
        mostly the driver's, outside the GIL, and the model's training and the candidate components
        are polars and rapidfuzz: at 100k records the write was 6 of the plan's 13 s on one core."""
        with ThreadPoolExecutor(1, thread_name_prefix="search-keys") as thread:
            yield thread.submit(write)

    def match_shard(self, run_id: str, shard: int) -> dict[str, Any]:
        """Match one shard of a planned run with the run's frozen model; results wait in the plan."""
        from matching import MatchModel, match_frame

        with self.step(run_id, "match-shard", f"shard {shard}") as step:
            plan = self.store.runs.plan(run_id)
            if plan is None:
                raise LookupError(f"run {run_id!r} has no match plan: run plan_match first")
            planned = self._planned if self._planned and self._planned.run_id == run_id else None
            result: MatchResult | None = None
            if planned is None:  # a task of its own: the features the plan stored, unless changed since
                frame = self.store.staging.load_match_frame(run_id, shard)
                features = FeatureCache(self.store).cached(frame)
            elif shard == 0 and planned.first_match is not None:  # matched by the plan (with its records)
                frame, features, result = planned.first_match
                # the match let go; the copy shares the plan's labels, which ``report`` fills below
                self._planned = replace(planned, first_match=None)
            else:  # the plan's own records: the same rows, sorted alike, as the query would read
                frame, features = planned.records(shard)
            clusters: dict[RecordKey, str] = {}
            kept: set[RecordKey] = set()
            pairs: Iterable[pl.DataFrame] = []  # match + review, in chunks
            matcher: dict[str, Any] = {}
            if frame.height:
                if result is None:
                    model = MatchModel.model_validate(self.store.runs.model(plan.model_id))
                    result = match_frame(
                        frame,
                        config=self.config.matching,
                        constraints=self._constraints(),
                        model=model,
                        features=features,
                    )
                for system, source_id, cluster in result.clusters.select(
                    "source_system", "source_id", "cluster_id"
                ).iter_rows():
                    clusters[RecordKey(system, source_id)] = f"{shard}:{cluster}"
                if not plan.full:
                    links = planned.links if planned else None  # the plan's read, when in this process
                    if links is None:
                        links = self.store.golden.links_frame()
                    kept = unchanged_clusters(result.clusters, links, self._dirty(undone_too=True))
                clusters.update(dict.fromkeys(kept, KEPT))
                among = touching(result.pairs, kept) if kept else None
                pairs = result.pair_frames(among=among)
                matcher = result.stats
            if planned is not None:  # the golden write of this process takes them from memory
                planned.report(shard, clusters)
            written = self.store.runs.save_shard(run_id, shard, {} if planned else clusters, pairs)
            step.stats = {
                "records": frame.height,
                "normalised_records": frame.height if features is None else 0,
                "kept": len(kept),
                "pairs": written,
                "matcher": matcher,
            }
        return step.stats

    def finish_match(self, run_id: str, results: PlanResults | None = None) -> dict[str, Any]:
        """Consolidate every shard's clusters into golden records in one transaction; move the watermark.
        ``results``: the plan's outcome as this process matched it (``match``: ``PlanInProcess``); else
        it is read from the store, as the shards' tasks wrote it."""
        with self.step(run_id, "match") as step:
            plan = self.store.runs.plan(run_id)
            if plan is None:
                raise LookupError(f"run {run_id!r} has no match plan: run plan_match first")
            labelled, planned, missing = results or self.store.runs.plan_results(run_id)
            pairs = self.store.runs.plan_pairs(run_id)  # read a chunk at a time as they are written
            if missing:
                raise RuntimeError(f"shards {missing} of run {run_id!r} have not reported; rerun them")
            clusters: dict[Any, list[RecordKey]] = dict(labelled)
            checkpoint("match.computed")
            kept = set(clusters.pop(KEPT, []))  # their golden records stay as stored

            def finishing(session: Session) -> None:
                """The watermark moves and the plan goes with the golden records, in their transaction:
                no run's work is left half recorded (and one commit less)."""
                self.store.staging.put_cursor(session, HUB_SOURCE, MATCH_STREAM, plan.started_at.isoformat())
                self.store.runs.drop_plan_in(session, run_id)

            counts = consolidate(
                self.store,
                self.config,
                clusters,
                run_id=run_id,
                pairs=pairs,
                scope=None if plan.full else planned - kept,
                finishing=finishing,
            )
            step.stats = {
                **plan.stats,
                "shards": plan.shards,
                "pairs": dict(pairs.decisions),
                "kept_records": len(kept),
                **counts,
            }
        return step.stats

    def _dirty(self, undone_too: bool = False) -> set[RecordKey]:
        """Records new, changed, deleted or decided (``undone_too``: or undone) since the last match
        run (its watermark)."""
        watermark = self.store.staging.get_cursor(HUB_SOURCE, stream=MATCH_STREAM)
        since = datetime.fromisoformat(str(watermark)) if watermark else None
        decided = self.store.decisions.decided_since(since, undone_too=undone_too)
        return self.store.staging.changed_since(since) | decided

    # ---- publish -------------------------------------------------------------------------------

    def publish(self, source_name: str, run_id: str) -> dict[str, Any]:
        """Push golden ids and the configured surviving fields back; only what changed since last push."""
        source = self.config.source(source_name)
        with self.step(run_id, "publish", source_name) as step:
            if not source.push_back:
                deletes = carry_out_deletes(ErasureQueue(self.store), source, None)  # shown as waiting
                step.stats = {"skipped": "push_back disabled", "deleted": deletes}
                return {"pushed": 0, "failed": 0, "unchanged": 0, "skipped": True, "deleted": deletes}
            # The outbox says which golden records changed since this source's last publish.
            consumed = self.store.staging.get_cursor(source_name, stream=OUTBOX_STREAM)
            head = self.store.outbox.outbox_head()
            changed = None if consumed is None else self.store.outbox.golden_ids_changed_since(int(consumed))
            updates, hashes, unchanged = [], {}, 0
            for record, golden, pushed_hash in self.store.outbox.push_state(
                source_name, changed, source.push_fields
            ):
                desired = desired_state(source, golden)
                digest = content_hash(desired)
                if digest == pushed_hash:
                    unchanged += 1
                    continue
                updates.append(
                    PushUpdate(
                        source_id=record.source_id,
                        golden_id=golden.golden_id,
                        fields=changed_fields(desired["fields"], record, source.push_overwrite),
                    )
                )
                hashes[record.source_id] = digest
            connector = self.connector(source)
            deletes = carry_out_deletes(ErasureQueue(self.store), source, connector)
            checkpoint("publish.before_push")
            result = connector.push(updates) if updates else None
            checkpoint("publish.pushed")
            pushed = result.pushed if result else []
            failed = result.failed if result else {}
            parked = result.parked if result else {}
            self.store.outbox.mark_pushed(
                source_name,
                {**{sid: hashes[sid] for sid in pushed}, **dict.fromkeys(failed)},
                actor=f"run:{run_id}",
                fields={u.source_id: u.fields for u in updates if u.fields},
            )
            ParkedPushes(self.store).record(
                source_name, pushed, parked, {u.source_id: u.golden_id for u in updates}, run_id
            )
            self.store.staging.set_cursor(source_name, str(head), stream=OUTBOX_STREAM)
            read_back = self._read_back(connector, source_name, run_id) if pushed else None
            written = set(pushed) - set(parked)
            step.stats = {
                "pushed": len(pushed),
                "failed": len(failed),
                "unchanged": unchanged,
                # records whose pushed values all landed (a parked value is counted under "parked")
                "fields_changed": sum(1 for u in updates if u.fields and u.source_id in written),
                "deleted": deletes,
                "failures": dict(list(failed.items())[:20]),
                "parked": len(parked),
                "parked_reasons": dict(list(parked.items())[:20]),
                **({"read_back": read_back} if read_back else {}),
            }
        return step.stats

    def _read_back(self, connector: SourceConnector, source_name: str, run_id: str) -> dict[str, Any] | None:
        """Read what the push just wrote, so the next extract does not (``reads_back_pushes``: a system
        whose change stamp our write moves, read from a change cursor).

        This is an ordinary incremental pull from the source's stored extract cursor, so no change by
        anyone else can be skipped: every change the system lists after that cursor -- our writes and a
        customer's edit made since this run's extract alike -- is delivered and staged, and the cursor
        moves only past delivered, staged rows. Our writes come back as rows seen before (digest) or as
        echoes of the pushed values; a customer's edit is staged as a change after this run's match
        watermark, so the next run re-matches it. If the read fails, nothing is lost: the next extract
        reads from the same cursor."""
        if not connector.reads_back_pushes:
            return None
        try:
            cursor = self.store.staging.get_cursor(source_name)
            stats, counts = self._stage_pulled(connector, source_name, run_id, cursor)
        except Exception as exc:  # noqa: BLE001 - the next extract reads the same rows
            return {"failed": f"{type(exc).__name__}: {exc}"}
        return {**asdict(stats), **counts}

    def check_run(self, run_id: str) -> dict[str, Any]:
        """Fail the run, once every source has done its work, when any extract or publish failed (the
        Airflow run is then marked failed and its failure callbacks fire); else say how many steps."""
        steps = self.store.runlog.run_steps(run_id)
        problems = run_problems(steps)
        self.lock.release(run_id)  # the run's last step: the next run may start
        if problems:
            raise RunFailedError(f"run {run_id}: " + " | ".join(problems))
        return {"steps": len(steps)}

    # ---- whole run -----------------------------------------------------------------------------

    def run(
        self,
        run_id: str | None = None,
        full_refresh: bool = False,
        rematch_all: bool = False,
        wait_seconds: float = 0,
    ) -> SyncSummary:
        """Extract every enabled source (a failing source does not stop the others), match, publish.

        Raises :class:`~hub.sync_lock.SyncAlreadyRunning` before doing anything when another run holds
        the hub and does not finish within ``wait_seconds``, and :class:`~hub.push_preflight.
        PushConfigError` when a source is configured to push what it cannot take."""
        check_push_configuration(self.config.enabled_sources, self.connector)
        summary = SyncSummary(run_id=run_id or new_run_id())
        with self.lock.holding(summary.run_id, wait_seconds):
            self._run(summary, full_refresh, rematch_all)
        return summary

    def _run(self, summary: SyncSummary, full_refresh: bool, rematch_all: bool) -> None:
        names = [source.name for source in self.config.enabled_sources]
        # a first or full pull brings every record: worth a worker per source (hub.source_workers)
        pull_all = full_refresh or any(self.store.staging.get_cursor(name) is None for name in names)
        if pull_all and self._workers(worth_workers=True) > 1:  # its imports take seconds: begun now
            start_fork_server(self._worker_modules())
        extracting = SourceStep.extracting(self, summary.run_id, full_refresh)
        units = extract_units(self.config.enabled_sources)
        # no match reads orders: with worker processes they are pulled aside, beside the match
        lanes = self._workers(pull_all, len(units))
        aside = [u for u in units if unit_source(u)[1]] if lanes > 1 else []
        with running_aside(aside, extracting.patient(), self._worker_modules()) as orders:
            in_line = [unit for unit in units if unit not in aside]
            if self._workers(pull_all, len(in_line)) < lanes:  # a lane the customers leave free
                orders.start()
            # else started once a lane is out of customers: a core free, their systems served
            pulled = self._each_source(extracting, pull_all, units=in_line, drained=orders.start)
            _record_extracts(summary, pulled)
            summary.matched = self.match(summary.run_id, rematch_all=rematch_all)
            _record_extracts(summary, orders.outcomes())
        many = self._to_publish() >= PUBLISH_WORTH_WORKERS
        for outcome in self._each_source(SourceStep.publishing(self, summary.run_id), worth_workers=many):
            if outcome.error is None:
                summary.published[outcome.source] = outcome.result or {}
            else:
                summary.failed[f"publish:{outcome.source}"] = outcome.error

    def _to_publish(self) -> int:
        """Outbox events the sources that push back have not consumed yet (a source's publish reads its
        changed golden records from them)."""
        head = self.store.outbox.outbox_head()
        cursors = [
            self.store.staging.get_cursor(source.name, stream=OUTBOX_STREAM)
            for source in self.config.enabled_sources
            if source.push_back
        ]
        return sum(head - int(cursor or 0) for cursor in cursors)

    def _each_source(
        self,
        step: SourceStep,
        worth_workers: bool,
        units: list[str] | None = None,
        drained: Callable[[], None] | None = None,
    ) -> list[SourceOutcome]:
        """``step`` for every enabled source (or each of ``units``: ``extract_units``), several at once
        when ``source_workers`` says so (automatic: one per core when the step is ``worth_workers``):
        this process takes sources one after another, worker processes take the others once they have
        started (``hub.source_workers``).
        A store in memory cannot be shared with workers: there one after another, in this process. A
        failing source does not stop the others.

        SQLite too: it takes one writer at a time, but most of a source's step is Python outside the
        write transactions. At 100k records two sources at once took the full sync from 119 to 102 s;
        the loss measured at 20k was the fork server's start, which this process no longer waits for."""
        names = units or [source.name for source in self.config.enabled_sources]
        workers = self._workers(worth_workers, len(names))
        here = functools.partial(step.run, self)
        if workers == 1:  # here, on this pipeline's store
            return run_per_source(names, here, 1, drained=drained)
        modules = self._worker_modules()
        return run_per_source(names, step, workers, preload=modules, here=here, drained=drained)

    def _workers(self, worth_workers: bool, units: int | None = None) -> int:
        """How many sources (or ``units`` of an extract) a step runs at once (``hub.source_workers.
        worker_count``); 1 with a store in memory, which worker processes cannot share."""
        if in_memory(self.store.url):
            return 1
        count = len(self.config.enabled_sources) if units is None else units
        return worker_count(self.config.source_workers, count, worth_workers)

    def _worker_modules(self) -> list[str]:
        """The sources' connector modules, for the fork server to import once."""
        sources = self.config.enabled_sources
        return sorted({module for source in sources if (module := connector_module(source.kind))})


@dataclass(frozen=True)
class SourceStep:
    """One source's extract or publish as a worker process runs it (``hub.source_workers``): what it
    needs pickles -- the configuration, the store's URL, the credentials provider -- and it builds its
    own pipeline on its own store connection."""

    config: HubConfig
    store_url: str
    credentials: CredentialsProvider
    name: str  # "extract" or "publish"
    run_id: str
    full_refresh: bool = False
    #: the sync's process: the worker holds the sync lock in its name (``SyncLock``'s ``pid``)
    sync_pid: int = field(default_factory=os.getpid)
    #: on SQLite, how long the step's writes wait for another connection's (``patient``)
    lock_wait: float = SQLITE_LOCK_WAIT

    @classmethod
    def extracting(cls, pipeline: SyncPipeline, run_id: str, full_refresh: bool) -> SourceStep:
        return cls(pipeline.config, pipeline.store.url, pipeline.credentials, "extract", run_id, full_refresh)

    @classmethod
    def publishing(cls, pipeline: SyncPipeline, run_id: str) -> SourceStep:
        return cls(pipeline.config, pipeline.store.url, pipeline.credentials, "publish", run_id)

    def patient(self) -> SourceStep:
        """This step for running beside the match (``hub.source_workers.running_aside``): its writes
        wait for the match's as long as they take -- the golden-record write is one transaction, on
        SQLite minutes long at a million records."""
        return replace(self, lock_wait=ASIDE_LOCK_WAIT)

    def run(self, pipeline: SyncPipeline, unit: str) -> dict[str, Any]:
        """``unit``: a source's name, or in an extract its orders' unit (``extract_units``)."""
        if self.name == "publish":
            return pipeline.publish(unit, self.run_id)
        source, of_orders = unit_source(unit)
        if of_orders:
            return pipeline.extract_orders(source, self.run_id, self.full_refresh)
        # a source with orders has them as a unit of their own; one without pulls none either way
        return pipeline.extract(source, self.run_id, self.full_refresh, orders=False)

    def __call__(self, source: str) -> dict[str, Any]:
        store = HubStore(self.store_url, lock_wait=self.lock_wait)
        try:
            pipeline = SyncPipeline(self.config, store, self.credentials)
            pipeline.lock = SyncLock(store, pid=self.sync_pid)
            return self.run(pipeline, source)
        finally:
            store.close()


_EMPTY_SHARDS = pl.DataFrame(schema={"source_system": pl.Utf8, "source_id": pl.Utf8, "shard": pl.Int64})


def _shards_of(matched: pl.DataFrame, components: pl.DataFrame, shards: int) -> pl.DataFrame:
    """``source_system, source_id, shard`` of each record of ``matched``, in its order: whole candidate
    components to a shard (``component % shards``), as columns (Python keys cost ~5 s at 100k)."""
    return matched.select("source_system", "source_id").join(
        components.select("source_system", "source_id", (pl.col("component") % shards).alias("shard")),
        on=["source_system", "source_id"],
        how="left",
        maintain_order="left",
    )


def _with_deleted(rows: pl.DataFrame, scope: set[RecordKey] | None) -> pl.DataFrame:
    """The plan's rows plus, shard -1, the records of ``scope`` not among them: deleted records,
    whose golden records are rebuilt."""
    if scope is None:
        return rows
    deleted = key_frame(scope).join(rows, on=KEY_COLUMNS, how="anti")
    return pl.concat([rows, deleted.with_columns(shard=pl.lit(-1, dtype=pl.Int64))])


def _retrain_reason(stored: dict[str, Any] | None, rematch_all: bool, config: MatchingConfig) -> str | None:
    """Why this run must retrain and re-match everything, in words; ``None`` when the model holds.

    Incremental re-matching with the stored model equals a full rebuild only while the engine that
    decides (normalizers, comparisons, blocking, rule table, thresholds: ``matching.fingerprint``)
    is the one the model was trained for; after an upgrade or a threshold change it is not.
    """
    from matching import MatchModel, fingerprint
    from matching.fingerprint import differences

    if rematch_all:
        return "re-match of everything asked for"
    if stored is None:
        return "no model trained yet"
    changed = differences(MatchModel.model_validate(stored).fingerprint, fingerprint(config))
    if changed:
        return "the matching engine changed since the stored model: " + ", ".join(changed)
    return None


def desired_state(source: SourceConfig, golden: PushedGolden) -> dict[str, Any]:
    """What this source should hold after the push: the golden id and the configured golden fields."""
    return {
        "golden_id": golden.golden_id,
        "fields": {name: field_value(golden, name) for name in source.push_fields},
    }


def changed_fields(fields: dict[str, Any], record: CustomerFields, overwrite: bool) -> dict[str, Any]:
    """Golden values the source should receive: missing ones, and differing ones when ``overwrite``."""
    out = {}
    for name, value in fields.items():
        current = field_value(record, name)
        if value in (None, [], "") or value == current:
            continue
        if overwrite or current in (None, [], ""):
            out[name] = value
    return out


#: The suffix of a source's orders as a unit of ``crmhub sync``'s extract (``extract_units``).
ORDERS_UNIT = "#orders"


def extract_units(sources: Iterable[SourceConfig]) -> list[str]:
    """The extract's units of work, in order: each source, followed by its orders as a unit of their
    own when it has orders. At a million hub records the web shop's 550,000 orders came after its
    275,000 customers in one process, and the two source lanes ended 57 s apart (266 and 209 s); as a
    unit of its own the orders go to whichever lane is free first. With worker processes ``crmhub
    sync`` pulls the orders units aside, beside the match, which reads no order (``_run``). (The Airflow
    DAG's extract task of a source pulls its orders too.)"""
    units = []
    for source in sources:
        units += [source.name, source.name + ORDERS_UNIT] if _has_orders(source) else [source.name]
    return units


def _record_extracts(summary: SyncSummary, outcomes: Iterable[SourceOutcome]) -> None:
    """The extract units' outcomes in the run's summary: a source's orders are counted with its
    customers (when those came) and fail as part of its extract."""
    orders: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        source, of_orders = unit_source(outcome.source)
        if outcome.error is not None:
            key, error = f"extract:{source}", f"orders: {outcome.error}" if of_orders else outcome.error
            summary.failed[key] = f"{summary.failed[key]} | {error}" if key in summary.failed else error
        elif of_orders:
            orders[source] = outcome.result or {}
        else:
            summary.extracted[source] = outcome.result or {}
    for source, counts in orders.items():
        summary.extracted.get(source, {}).update(counts)


def unit_source(unit: str) -> tuple[str, bool]:
    """The source of an extract unit, and whether the unit is its orders."""
    return (unit.removesuffix(ORDERS_UNIT), True) if unit.endswith(ORDERS_UNIT) else (unit, False)


def _has_orders(source: SourceConfig) -> bool:
    try:
        return connector_class(source.kind).supports_orders
    except ValueError:  # an unknown kind: its extract fails with the reason
        return False
