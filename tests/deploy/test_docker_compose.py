"""docker-compose.yml is valid (checked by the real docker-compose) and wires Airflow 3 as documented."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from crmhub.local_secrets import COMPOSE_NAMES, KNOWN_SECRETS, ensure_secrets_file

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env_file(tmp_path) -> Path:
    """A .env as ``make compose-env`` writes it (the compose file has no default secrets any more)."""
    path = tmp_path / "compose.env"
    ensure_secrets_file(path, COMPOSE_NAMES)
    return path


def compose_config(env_file: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        ["docker-compose", "--env-file", str(env_file), *args, "config"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    ).stdout
    return yaml.safe_load(out)


def test_compose_file_is_valid_and_runs_airflow_3_on_postgres(env_file):
    assert shutil.which("docker-compose"), "install the Debian package docker-compose (make install does)"
    services = compose_config(env_file, "--profile", "demo")["services"]
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


def test_celery_profile_adds_workers_and_a_broker(env_file):
    services = compose_config(env_file, "--profile", "celery", env={"AIRFLOW_EXECUTOR": "CeleryExecutor"})[
        "services"
    ]
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


@pytest.mark.parametrize("missing", COMPOSE_NAMES)
def test_compose_refuses_to_run_without_each_secret(tmp_path, env_file, missing):
    """No default fallback: every secret and password must come from the user's .env or environment."""
    partial = tmp_path / "partial.env"
    partial.write_text(
        "".join(line + "\n" for line in env_file.read_text().splitlines() if not line.startswith(missing))
    )
    result = subprocess.run(
        ["docker-compose", "--env-file", str(partial), "--profile", "demo", "config", "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def test_compose_uses_the_generated_secrets_and_publishes_on_loopback_only(env_file):
    config = compose_config(env_file, "--profile", "demo", "--profile", "celery")
    given = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if not line.startswith("#"))
    text = yaml.safe_dump(config)
    assert not any(known in text for known in KNOWN_SECRETS)
    published = [port for svc in config["services"].values() for port in svc.get("ports", [])]
    assert published, "the api-server and the demo systems publish ports"
    # docker-compose 1.x prints "127.0.0.1:8080:8080/tcp", Compose v2 a mapping with host_ip.
    hosts = [port.get("host_ip") if isinstance(port, dict) else port.split(":")[0] for port in published]
    assert hosts == ["127.0.0.1"] * len(published), published
    env = config["services"]["airflow-apiserver"]["environment"]
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == given["AIRFLOW_JWT_SECRET"]
    assert env["AIRFLOW__CORE__FERNET_KEY"] == given["AIRFLOW_FERNET_KEY"]
    assert env["CRMHUB_ENV"] == "production"
    assert given["POSTGRES_PASSWORD"] in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
