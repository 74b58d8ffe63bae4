"""customer_sync: pull every configured source, match and merge into golden records, push back.

Thin on purpose: each task is one call into :class:`hub.pipeline.SyncPipeline`; the configuration
(sources, schedule, thresholds) is the YAML file named by ``CRMHUB_CONFIG``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import Param, dag, get_current_context, task

from schemas import load_config

CONFIG_PATH = os.environ.get(
    "CRMHUB_CONFIG", str(Path(__file__).resolve().parents[1] / "config" / "crmhub.yaml")
)
CONFIG = load_config(CONFIG_PATH)
SOURCES = [source.name for source in CONFIG.enabled_sources]


def failure_callbacks() -> list:
    """Callables (or Airflow notifiers) to call when a run fails, named in ``CRMHUB_ON_FAILURE`` as
    comma-separated dotted paths, e.g. ``mycompany.alerts.page_oncall`` or an instance factory."""
    import importlib

    callbacks = []
    for path in filter(None, (p.strip() for p in os.environ.get("CRMHUB_ON_FAILURE", "").split(","))):
        module, _, name = path.rpartition(".")
        callbacks.append(getattr(importlib.import_module(module), name))
    return callbacks


def _pipeline():
    from connectors.airflow_hooks import airflow_credentials
    from hub.pipeline import SyncPipeline

    return SyncPipeline(load_config(CONFIG_PATH), credentials=airflow_credentials)


@dag(
    dag_id="customer_sync",
    schedule=CONFIG.schedule,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # runs share the hub store's cursors; one at a time keeps them in order
    tags=["crmhub"],
    default_args={
        "retries": int(os.environ.get("CRMHUB_TASK_RETRIES", "2")),
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
    },
    doc_md=__doc__,
    on_failure_callback=failure_callbacks(),
    # Trigger with config to override: {"full_refresh": true} ignores the cursors, {"rematch_all": true}
    # retrains the matching model and re-matches every record (normally only what changed is matched).
    params={"full_refresh": Param(False, type="boolean"), "rematch_all": Param(False, type="boolean")},
)
def customer_sync():
    @task(map_index_template="{{ source_name }}")  # the grid shows "erp", not "0"
    def extract(source: str) -> dict:
        context = get_current_context()
        context["source_name"] = source  # type: ignore[typeddict-unknown-key]
        return _pipeline().extract(source, context["run_id"], full_refresh=context["params"]["full_refresh"])

    @task(trigger_rule="all_done")  # a failed source must not stop matching of what the others stored
    def plan_match() -> list[int]:
        context = get_current_context()
        return _pipeline().plan_match(context["run_id"], rematch_all=context["params"]["rematch_all"])

    # one mapped task per shard of whole candidate components (Celery workers scale them out)
    @task(map_index_template="shard {{ shard_number }}")
    def match_shard(shard: int) -> dict:
        context = get_current_context()
        context["shard_number"] = shard  # type: ignore[typeddict-unknown-key]
        return _pipeline().match_shard(context["run_id"], shard)

    @task
    def merge_golden_records() -> dict:
        return _pipeline().finish_match(get_current_context()["run_id"])

    @task(map_index_template="{{ source_name }}")
    def publish(source: str) -> dict:
        context = get_current_context()
        context["source_name"] = source  # type: ignore[typeddict-unknown-key]
        return _pipeline().publish(source, context["run_id"])

    @task(trigger_rule="all_done")  # after every source's work, failed or not
    def check_run() -> dict:
        """Marks the run failed when any extract or publish failed (alerting fires on it)."""
        return _pipeline().check_run(get_current_context()["run_id"])

    shards = plan_match()
    extract.expand(source=SOURCES) >> shards
    published = match_shard.expand(shard=shards) >> merge_golden_records() >> publish.expand(source=SOURCES)
    published >> check_run()


customer_sync()
