"""Airflow's REST API (v2) for what a local run needs: wait for the DAG to be parsed, unpause, trigger,
wait for the run, and read its task instances (state, times and the ``hostname`` of the worker).

Why REST and not ``airflow dags trigger``: each CLI call starts Airflow (seconds on 2 cores), and the
task instances' hostnames are there in one request.
"""

from __future__ import annotations

import time
from typing import Any, cast

import httpx

FINISHED = {"success", "failed"}


class AirflowApi:
    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout)
        token = self.client.post("/auth/token", json={"username": username, "password": password})
        token.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def close(self) -> None:
        self.client.close()

    def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = self.client.request(method, url, **kwargs)
        response.raise_for_status()
        return cast(dict[str, Any], response.json())

    def wait_for_dag(self, dag_id: str, seconds: float = 120) -> None:
        """Until the dag-processor has parsed and serialized the DAG (then it can be triggered)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.client.get(f"/api/v2/dags/{dag_id}").status_code == 200:
                return
            time.sleep(1)
        raise TimeoutError(f"DAG {dag_id} not parsed after {seconds:.0f} s (see the dag-processor log)")

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause (new DAGs start paused) and start a run now; returns its run id."""
        self._json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        run = self._json(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}
        )
        return str(run["dag_run_id"])

    def wait_for_run(self, dag_id: str, run_id: str, seconds: float = 600) -> dict[str, Any]:
        """The finished run (``state`` success or failed); TimeoutError when it is still going."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run = self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in FINISHED:
                return run
            time.sleep(1)
        raise TimeoutError(f"run {run_id} of {dag_id} not finished after {seconds:.0f} s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of the run, mapped ones one row per index (``rendered_map_index`` holds
        the source name or shard label), with ``hostname``, ``start_date``, ``end_date``, ``state``."""
        url = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return cast(list[dict[str, Any]], self._json("GET", url, params={"limit": 1000})["task_instances"])
