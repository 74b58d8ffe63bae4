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
    # Trigger with config to override: {"full_refresh": true} ignores the cursors, {"rematch_all": true}
    # retrains the matching model and re-matches every record (normally only what changed is matched).
    params={"full_refresh": Param(False, type="boolean"), "rematch_all": Param(False, type="boolean")},
)
def customer_sync():
    @task
    def extract(source: str) -> dict:
        context = get_current_context()
        return _pipeline().extract(source, context["run_id"], full_refresh=context["params"]["full_refresh"])

    @task(trigger_rule="all_done")  # a failed source must not stop matching of what the others stored
    def plan_match() -> list[int]:
        context = get_current_context()
        return _pipeline().plan_match(context["run_id"], rematch_all=context["params"]["rematch_all"])

    @task  # one mapped task per shard of whole candidate components (Celery workers scale them out)
    def match_shard(shard: int) -> dict:
        return _pipeline().match_shard(get_current_context()["run_id"], shard)

    @task
    def merge_golden_records() -> dict:
        return _pipeline().finish_match(get_current_context()["run_id"])

    @task
    def publish(source: str) -> dict:
        return _pipeline().publish(source, get_current_context()["run_id"])

    shards = plan_match()
    extract.expand(source=SOURCES) >> shards
    match_shard.expand(shard=shards) >> merge_golden_records() >> publish.expand(source=SOURCES)


customer_sync()
