"""The customer_sync DAG on Airflow's CeleryExecutor with two real Celery workers (Redis broker, PostgreSQL
metadata DB, api-server, scheduler, dag-processor, all on loopback) spreads its mapped match shards and
publishes over both workers and builds exactly the golden records one process (``dag.test()``) builds
from the same data."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmhub.celery_local import CeleryCluster
from crmhub.celery_run import trigger_and_collect, write_sync_config
from hub.store import HubStore
from sources.run import start_local_sources

REPO = Path(__file__).resolve().parents[2]
RECORDS, SEED, SHARDS = 240, 11, 4
#: Seconds each answer of the ERP and the shop waits, as across a WAN: a publish then lasts seconds, as
#: it does against real systems, not the second a task process takes on loopback, in which one worker
#: could take every publish while the other still reported its last task (seen under make test's load).
LATENCY = 0.5

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module", autouse=True)
def airflow_db():
    """A fresh metadata DB for the in-process ``dag.test()`` (the suite's SQLite AIRFLOW_HOME)."""
    from airflow.utils import db

    db.resetdb()


def _golden_records(url: str) -> tuple[set[str], dict]:
    store = HubStore(url)
    try:
        return store.golden.golden_ids(), store.golden.membership()
    finally:
        store.close()


def _hub(postgres, name: str, tmp_path: Path) -> tuple[str, Path]:
    """A migrated hub store on the session's PostgreSQL and a config naming it, with SHARDS shards."""
    server, _ = postgres
    if server is None:
        pytest.skip("needs the suite's throw-away PostgreSQL (CRMHUB_TEST_PG_URL given)")
    url = server.create_database(f"{name}_{tmp_path.name[-20:].lower().replace('-', '_')}")
    HubStore(url, upgrade=True).close()  # as `crmhub db-upgrade`; tasks do not migrate
    return url, write_sync_config(tmp_path / f"{name}.yaml", url, SHARDS)


def _one_process_run(postgres, tmp_path: Path, monkeypatch) -> tuple[set[str], dict]:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    url, config = _hub(postgres, "hub_single", tmp_path)
    local = start_local_sources(tmp_path / "sources_single", records=RECORDS, seed=SEED, latency=LATENCY)
    try:
        with monkeypatch.context() as patch:
            for name, value in local.env().items():
                patch.setenv(name, value)
            patch.setenv("CRMHUB_CONFIG", str(config))
            run = DagBag(dag_folder=str(REPO / "dags")).get_dag("customer_sync").test()
        assert run.state == DagRunState.SUCCESS
    finally:
        local.stop()
    return _golden_records(url)


def test_two_celery_workers_share_the_sync_and_build_the_same_golden_records(postgres, tmp_path, monkeypatch):
    expected_ids, expected_members = _one_process_run(postgres, tmp_path, monkeypatch)
    assert len(expected_ids) > RECORDS // 4  # a real population, not an empty store

    server, _ = postgres
    url, config = _hub(postgres, "hub_celery", tmp_path)
    metadata = server.create_database(f"airflow_{tmp_path.name[-20:].lower().replace('-', '_')}")
    local = start_local_sources(  # the same data
        tmp_path / "sources_celery", records=RECORDS, seed=SEED, latency=LATENCY
    )
    try:
        cluster = CeleryCluster(
            tmp_path / "airflow-celery", metadata, env={**local.env(), "CRMHUB_CONFIG": str(config)}
        )
        with cluster:  # stops redis, the Airflow services and both workers (their task processes too)
            result = trigger_and_collect(cluster, timeout=150)
    finally:
        local.stop()

    assert result.state == "success", result.table()
    assert {ti["state"] for ti in result.task_instances} == {"success"}, result.table()
    workers = {"worker1", "worker2"}
    assert result.hosts("match_shard") == workers, result.table()
    assert result.hosts("publish") == workers, result.table()
    assert sorted(result.labels("match_shard")) == [f"shard {n}" for n in range(SHARDS)]

    golden_ids, members = _golden_records(url)
    assert golden_ids == expected_ids
    assert members == expected_members
