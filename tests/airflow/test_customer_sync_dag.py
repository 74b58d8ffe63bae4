"""The customer_sync DAG runs for real (dag.test) against the local systems, with mapped tasks per source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

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
    }
    assert dag.get_task("plan_match").trigger_rule == "all_done"


def test_dag_test_runs_the_whole_sync(local_sources, tmp_path, monkeypatch, capfd):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    config = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    config["database_url"] = f"sqlite:///{tmp_path}/hub.db"
    config["matching"]["shards"] = 3  # three mapped match_shard tasks
    config_path = tmp_path / "crmhub.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("CRMHUB_CONFIG", str(config_path))

    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("customer_sync")
    run = dag.test()
    assert run.state == DagRunState.SUCCESS

    from hub.store import HubStore

    store = HubStore(config["database_url"])
    steps = store.run_steps(run.run_id)
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
    assert store.counts()["golden_active"] > 0

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
