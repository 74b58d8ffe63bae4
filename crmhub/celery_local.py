"""CRM Hub's Airflow on CeleryExecutor on one machine, without Docker: Redis as the broker, PostgreSQL
as the metadata database, the api-server (which also serves the execution API the workers' tasks talk
to), the scheduler, the dag-processor and N ``airflow celery worker`` processes.

Why a process launcher and not only ``docker-compose.yml`` (the same deployment in containers): it
proves on a bare machine that the sync DAG's mapped tasks really spread over workers, and measures it
(``tests/airflow/test_celery_workers.py``, ``bench/celery_sync.py``, ``scripts/celery-local.sh``).

Every process runs in its own session (process group) so :meth:`CeleryCluster.stop` ends it and its
children (the workers' task processes) and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crmhub.loopback import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[1]
#: Names the worker in the task instances it runs (see :func:`worker_hostname`).
WORKER_NAME_ENV = "CRMHUB_WORKER_NAME"
ADMIN = "admin"


def worker_hostname() -> str:
    """Airflow's ``[core] hostname_callable`` for local workers: two workers on one host share its FQDN,
    so each task instance's ``hostname`` is the worker's own name instead (the FQDN elsewhere)."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()


def wait_for_http(url: str, seconds: float, process: subprocess.Popen[bytes]) -> None:
    """Until ``url`` answers 200: the api-server listens before its app has started."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not answering after {seconds:.0f} s")


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]


@dataclass
class CeleryCluster:
    """A CeleryExecutor Airflow on loopback. ``env`` adds what the tasks need (``CRMHUB_CONFIG``, the
    sources' ``AIRFLOW_CONN_*``); ``concurrency`` is task slots per worker."""

    home: Path
    metadata_url: str  # a PostgreSQL SQLAlchemy URL (postgresql+psycopg://...)
    env: Mapping[str, str] = field(default_factory=dict)
    workers: int = 2
    concurrency: int = 1
    api_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    started: list[Started] = field(default_factory=list)
    #: seconds per start-up step (redis, db migrate, services until the api-server answers)
    startup: dict[str, float] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def worker_names(self) -> list[str]:
        return [f"worker{i + 1}" for i in range(self.workers)]

    def airflow_env(self) -> dict[str, str]:
        """The configuration every Airflow process shares (one JWT secret: the api-server signs the
        tasks' execution-API tokens, and the workers' tasks present them)."""
        self.home.mkdir(parents=True, exist_ok=True)
        secrets_file = self.home / "secrets.env"
        if not secrets_file.exists():
            secrets_file.write_text(f"{secrets.token_hex(64)}\n", encoding="utf-8")
            secrets_file.chmod(0o600)
        passwords = self.home / "passwords.json"
        passwords.write_text(f'{{"{ADMIN}": "{self.password}"}}', encoding="utf-8")
        passwords.chmod(0o600)
        celery_db = "db+" + self.metadata_url
        return {
            **os.environ,
            **self.env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(REPO),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url,
            # psycopg 3 drives the async engine too (Airflow would derive asyncpg, not installed here)
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": self.metadata_url.replace(
                "postgresql+psycopg:", "postgresql+psycopg_async:"
            ),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": celery_db,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            # one task at a time per free slot: a worker does not hoard queued shards the other could run
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "crmhub.celery_local.worker_hostname",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets_file.read_text(encoding="utf-8").strip(),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        }

    def _spawn(self, name: str, args: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        log = (self.home / "logs-processes").joinpath(f"{name}.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        handle = log.open("ab")
        process = subprocess.Popen(
            args, env=dict(env), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(Started(name, process, handle))
        return process

    def start(self, timeout: float = 120) -> None:
        """Redis, ``airflow db migrate``, then the Airflow services and the workers; returns once the
        api-server answers. On any failure everything already started is stopped."""
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        env = self.airflow_env()
        redis = shutil.which("redis-server") or "/usr/bin/redis-server"
        redis_args = ["--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        began = time.monotonic()
        process = self._spawn("redis", [redis, *redis_args, "--dir", str(self.home)], env)
        wait_for_port(self.redis_port, 30, process)
        self.startup["redis"] = time.monotonic() - began
        migrate = subprocess.run(
            ["airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=timeout
        )
        if migrate.returncode:
            output = migrate.stdout[-2000:] + migrate.stderr[-2000:]
            raise RuntimeError(f"airflow db migrate failed:\n{output}")
        self.startup["db migrate"] = time.monotonic() - began - self.startup["redis"]
        api = self._spawn("api-server", ["airflow", "api-server", "--workers", "1"], env)
        self._spawn("scheduler", ["airflow", "scheduler"], env)
        self._spawn("dag-processor", ["airflow", "dag-processor"], env)
        for name in self.worker_names:
            worker_env = {
                **env,
                WORKER_NAME_ENV: name,
                # each worker serves its task logs on its own port (the default 8793 would clash)
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            }
            self._spawn(name, ["airflow", "celery", "worker", "--celery-hostname", f"{name}@%h"], worker_env)
        wait_for_port(self.api_port, timeout, api)
        wait_for_http(f"{self.base_url}/api/v2/version", timeout, api)
        self.startup["services"] = time.monotonic() - began - sum(self.startup.values())

    def stop(self, grace: float = 20) -> None:
        """SIGTERM to each started process group, SIGKILL to what is left after ``grace`` seconds."""
        for started in reversed(self.started):
            _signal_group(started.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for started in reversed(self.started):
            while time.monotonic() < deadline and not _exited(started.process):
                time.sleep(0.1)
            # SIGKILL to the group's stragglers (task processes) while the unreaped leader still
            # reserves the group id, then reap the leader
            _signal_group(started.process, signal.SIGKILL)
            started.process.wait()
            started.log.close()
        self.started.clear()

    def __enter__(self) -> CeleryCluster:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether the process has exited, without reaping it (its pid stays its group's id)."""
    if process.returncode is not None:
        return True
    result = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return result is not None


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.returncode is not None:  # reaped: its pid (and group id) may belong to another by now
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # start_new_session: the group id is the process id
