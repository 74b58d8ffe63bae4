"""docker-compose.yml is valid (checked by the real docker-compose) and wires Airflow 3 as documented."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_compose_file_is_valid_and_runs_airflow_3_on_postgres():
    assert shutil.which("docker-compose"), "install the Debian package docker-compose (make install does)"
    out = subprocess.run(
        ["docker-compose", "--profile", "demo", "config"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    services = yaml.safe_load(out)["services"]
    commands = {
        name: " ".join(svc["command"]) if isinstance(svc.get("command"), list) else svc.get("command")
        for name, svc in services.items()
    }
    assert commands["airflow-apiserver"] == "api-server"
    assert "airflow scheduler" in commands["airflow-scheduler"]
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        env = services[name]["environment"]
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/crmhub/dags"
        assert any(
            str(v).endswith(":/opt/crmhub:rw") or "/opt/crmhub" in str(v) for v in services[name]["volumes"]
        )
        assert services[name]["image"].startswith("apache/airflow:3.")


def test_celery_profile_adds_workers_and_a_broker():
    out = subprocess.run(
        ["docker-compose", "--profile", "celery", "config"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        env={"AIRFLOW_EXECUTOR": "CeleryExecutor", "PATH": "/usr/bin:/bin"},
    ).stdout
    services = yaml.safe_load(out)["services"]
    assert "airflow celery worker" in " ".join(services["airflow-worker"]["command"])
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith(
        "redis://redis"
    )
    assert "redis" in services


def test_compose_file_rejected_when_broken(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  x:\n    image: [not, a, string]\n    depends_on: 3\n")
    result = subprocess.run(
        ["docker-compose", "-f", str(broken), "config", "-q"], capture_output=True, text=True
    )
    assert result.returncode != 0
