"""Run the customer_sync DAG on a local Celery cluster and report which worker ran which task.

``scripts/celery-local.sh`` (= ``python -m crmhub.celery_run``) does it end to end on a bare machine:
the local source systems seeded with N records, a throw-away PostgreSQL (Airflow's metadata DB and the
hub store), :class:`~crmhub.celery_local.CeleryCluster` with two workers, one triggered run, then a
table task -> worker -> seconds and each phase's wall time. The test and the benchmark use the same
functions, so what they prove is what the script shows.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from crmhub.airflow_api import AirflowApi
from crmhub.celery_local import ADMIN, REPO, CeleryCluster

DAG_ID = "customer_sync"
#: the DAG's tasks in run order: each is one phase of the sync
PHASES = ["extract", "plan_match", "match_shard", "merge_golden_records", "publish", "check_run"]


def write_sync_config(path: Path, database_url: str, shards: int) -> Path:
    """config/crmhub.yaml with this hub store and ``shards`` match shards (mapped match_shard tasks),
    triggered by hand only: with its ``@hourly`` schedule, unpausing the DAG would also start a scheduled
    run, and the triggered one would wait behind it (``max_active_runs=1``) and find nothing to do."""
    config = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    config["schedule"] = None
    config["database_url"] = database_url
    config["matching"]["shards"] = shards
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@dataclass
class CeleryRun:
    run: dict[str, Any]
    task_instances: list[dict[str, Any]]

    @property
    def state(self) -> str:
        return str(self.run["state"])

    def hosts(self, task_id: str) -> set[str]:
        return {ti["hostname"] for ti in self.task_instances if ti["task_id"] == task_id}

    def labels(self, task_id: str) -> list[str]:
        """The rendered map index (source name, shard label) of each mapped instance of ``task_id``."""
        return [ti["rendered_map_index"] for ti in self.task_instances if ti["task_id"] == task_id]

    def phase_seconds(self) -> dict[str, float]:
        """Per task id, first start to last finish over its (mapped) instances; ``run`` end to end."""
        spans: dict[str, float] = {}
        for task_id in PHASES:
            tis = [t for t in self.task_instances if t["task_id"] == task_id and t.get("start_date")]
            if tis:
                start = min(_time(t["start_date"]) for t in tis)
                spans[task_id] = (max(_time(t["end_date"]) for t in tis) - start).total_seconds()
        spans["run"] = (_time(self.run["end_date"]) - _time(self.run["start_date"])).total_seconds()
        return spans

    def table(self) -> str:
        lines = ["| task | label | worker | state | s |", "|---|---|---|---|---|"]
        order = {task_id: i for i, task_id in enumerate(PHASES)}
        for ti in sorted(self.task_instances, key=lambda t: (order.get(t["task_id"], 99), t["map_index"])):
            label = ti.get("rendered_map_index") or ("" if ti["map_index"] < 0 else str(ti["map_index"]))
            seconds = f"{ti['duration']:.1f}" if ti.get("duration") is not None else ""
            lines.append(f"| {ti['task_id']} | {label} | {ti['hostname']} | {ti['state']} | {seconds} |")
        return "\n".join(lines)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def trigger_and_collect(cluster: CeleryCluster, timeout: float = 900) -> CeleryRun:
    """One customer_sync run on the started cluster, waited for; its run and task instances."""
    api = AirflowApi(cluster.base_url, ADMIN, cluster.password)
    try:
        api.wait_for_dag(DAG_ID)
        run_id = api.trigger(DAG_ID)
        run = api.wait_for_run(DAG_ID, run_id, timeout)
        return CeleryRun(run, api.task_instances(DAG_ID, run_id))
    finally:
        api.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/celery-local.sh", description=__doc__)
    parser.add_argument("--records", type=int, default=2000, help="customers seeded in the local systems")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1, help="task slots per worker")
    parser.add_argument("--shards", type=int, default=4, help="match shards (mapped match_shard tasks)")
    parser.add_argument("--workdir", type=Path, help="keep data and process logs here (default: temporary)")
    parser.add_argument("--serve", action="store_true", help="keep running after the run (Ctrl-C stops)")
    args = parser.parse_args(argv)

    from crmhub.local_postgres import ThrowawayPostgres
    from hub.store import HubStore
    from sources.run import start_local_sources

    with tempfile.TemporaryDirectory(prefix="crmhub-celery-") as tmp:
        workdir = args.workdir or Path(tmp)
        postgres = ThrowawayPostgres()
        postgres.start()
        local = start_local_sources(workdir / "sources", records=args.records, seed=7)
        try:
            hub_url = postgres.create_database("hub")
            HubStore(hub_url, upgrade=True).close()  # as `crmhub db-upgrade`; tasks do not migrate
            config = write_sync_config(workdir / "crmhub.yaml", hub_url, args.shards)
            cluster = CeleryCluster(
                workdir / "airflow",
                postgres.create_database("airflow"),
                env={**local.env(), "CRMHUB_CONFIG": str(config)},
                workers=args.workers,
                concurrency=args.concurrency,
            )
            with cluster:
                passwords = cluster.home / "passwords.json"
                print(
                    f"Airflow on CeleryExecutor: {cluster.base_url} (user {ADMIN}, password in {passwords})"
                )
                result = trigger_and_collect(cluster)
                print(f"run {result.run['dag_run_id']}: {result.state}\n\n{result.table()}\n")
                print(", ".join(f"{k} {v:.1f} s" for k, v in result.phase_seconds().items()))
                if args.serve:
                    _serve_until_interrupted()
            return 0 if result.state == "success" else 1
        finally:
            local.stop()
            postgres.stop()


def _serve_until_interrupted() -> None:
    import time

    print("serving; Ctrl-C stops every process")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
