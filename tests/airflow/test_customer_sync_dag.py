"""The customer_sync DAG runs for real (dag.test) against the local systems, with mapped tasks per source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from hub.store import HubStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def airflow_db():
    """A fresh Airflow metadata DB in the suite's temporary AIRFLOW_HOME (see tests/conftest.py)."""
    from airflow.utils import db

    db.resetdb()


def test_dag_parses_with_one_mapped_extract_per_source():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    dag = bag.get_dag("customer_sync")
    assert {t.task_id for t in dag.tasks} == {
        "extract",
        "plan_match",
        "match_shard",
        "merge_golden_records",
        "publish",
        "check_run",
    }
    assert dag.get_task("plan_match").trigger_rule == "all_done"
    assert dag.get_task("check_run").trigger_rule == "all_done"
    assert dag.get_task("extract").map_index_template == "{{ source_name }}"


def test_a_misspelt_option_stops_the_dag_file_naming_source_and_key(tmp_path, monkeypatch):
    """The DAG file loads the configuration when parsed: a typo is an import error that names the
    option, shown in Airflow's UI, and no run (no task) can start."""
    from airflow.dag_processing.dagbag import DagBag

    config = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    config["sources"][1]["options"] = {"rate_limt": 2}
    config_path = tmp_path / "crmhub.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    HubStore(config["database_url"], upgrade=True).close()  # as `crmhub db-upgrade`; tasks do not
    monkeypatch.setenv("CRMHUB_CONFIG", str(config_path))
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.get_dag("customer_sync") is None
    [error] = bag.import_errors.values()
    assert "source 'webshop': unknown option 'rate_limt' (did you mean 'rate_limit'?" in error


def test_dag_test_runs_the_whole_sync(local_sources, tmp_path, monkeypatch, capfd):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    config = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    config["database_url"] = f"sqlite:///{tmp_path}/hub.db"
    config["matching"]["shards"] = 3  # three mapped match_shard tasks
    config_path = tmp_path / "crmhub.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    HubStore(config["database_url"], upgrade=True).close()  # as `crmhub db-upgrade`; tasks do not
    monkeypatch.setenv("CRMHUB_CONFIG", str(config_path))

    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("customer_sync")
    run = dag.test()
    assert run.state == DagRunState.SUCCESS

    store = HubStore(config["database_url"])
    steps = store.runlog.run_steps(run.run_id)
    assert {(s["step"], s["source"]) for s in steps} >= {
        ("extract", "erp"),
        ("extract", "webshop"),
        ("extract", "legacy_db"),
        ("extract", "legacy_csv"),
        ("match", None),
        ("publish", "erp"),
    }
    assert all(s["status"] == "success" for s in steps)
    assert sorted(s["source"] for s in steps if s["step"] == "match-shard") == [
        "shard 0",
        "shard 1",
        "shard 2",
    ]
    assert store.runlog.counts()["golden_active"] > 0

    # The source systems' passwords appear in no task output, no Airflow log and no hub table.
    secrets = {c["password"] for c in local_sources.connections.values() if c.get("password")}
    assert secrets
    captured = capfd.readouterr()
    assert "match_shard" in captured.out + captured.err  # the task output really is in what we search
    logs = [p.read_text(errors="replace") for p in Path(os.environ["AIRFLOW_HOME"]).rglob("*.log")]
    from sqlalchemy import MetaData

    tables = MetaData()
    tables.reflect(store.engine)
    with store.engine.connect() as connection:
        rows = [str(tuple(r)) for t in tables.sorted_tables for r in connection.execute(t.select())]
    for text in (captured.out, captured.err, *logs, *rows):
        assert not any(secret in text for secret in secrets)


def test_a_failed_extract_fails_the_run_after_the_other_sources_did_their_work(
    local_sources, tmp_path, monkeypatch
):
    import json
    import socket

    from airflow.dag_processing.dagbag import DagBag
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    config = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    config["database_url"] = f"sqlite:///{tmp_path}/hub.db"
    # the ERP receives nothing back: its publish task succeeds (skipped), so only an honest final
    # check can fail the run for its failed extract
    [erp_source] = [s for s in config["sources"] if s["name"] == "erp"]
    erp_source["push_back"] = False
    config_path = tmp_path / "crmhub.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    HubStore(config["database_url"], upgrade=True).close()  # as `crmhub db-upgrade`; tasks do not
    monkeypatch.setenv("CRMHUB_CONFIG", str(config_path))
    monkeypatch.setenv("CRMHUB_TASK_RETRIES", "0")
    with socket.socket() as sock:  # a port nothing listens on: the ERP is down
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    erp = json.loads(os.environ["AIRFLOW_CONN_CRMHUB_ERP"])
    monkeypatch.setenv("AIRFLOW_CONN_CRMHUB_ERP", json.dumps({**erp, "port": closed}))

    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("customer_sync")
    run = dag.test()
    assert run.state == DagRunState.FAILED

    steps = {
        (s["step"], s["source"]): s for s in HubStore(config["database_url"]).runlog.run_steps(run.run_id)
    }
    assert steps[("extract", "erp")]["status"] == "failed"
    # ... while the other sources were pulled, matched and pushed back
    assert steps[("extract", "webshop")]["status"] == "success"
    assert steps[("match", None)]["status"] == "success"
    assert steps[("publish", "webshop")]["status"] == "success"
    with create_session() as session:
        labels = {
            ti.rendered_map_index
            for ti in session.query(TaskInstance).filter(
                TaskInstance.run_id == run.run_id, TaskInstance.task_id == "extract"
            )
        }
    assert labels == {"erp", "webshop", "legacy_db", "legacy_csv"}  # the grid names the sources
