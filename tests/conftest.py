"""Suite-wide fixtures: an isolated Airflow home, a throw-away PostgreSQL, hub stores on both backends,
and the local source systems served over real HTTP on loopback."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

# Airflow reads its configuration at import time: isolate it before anything imports airflow.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="crmhub-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "plugins")
os.environ.setdefault("CRMHUB_TASK_RETRIES", "0")

import pytest  # noqa: E402
from pg_server import ThrowawayPostgres  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
_db_counter = itertools.count()


@pytest.fixture(scope="session", autouse=True)
def postgres():
    """One PostgreSQL server for the whole session, so every run also proves the PostgreSQL backend
    (set CRMHUB_TEST_PG_URL to use an existing server instead)."""
    if url := os.environ.get("CRMHUB_TEST_PG_URL"):
        yield None, url
        return
    server = ThrowawayPostgres()
    url = server.start()
    os.environ["CRMHUB_TEST_PG_URL"] = url  # connector tests of other helpers read it
    yield server, url
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty hub-store URL on each backend: every store test runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/hub.db"
    server, url = request.getfixturevalue("postgres")
    if server is None:
        pytest.fail("CRMHUB_TEST_PG_URL given: use a throw-away server per run instead")
    return server.create_database(f"hub_{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def local_sources(tmp_path, monkeypatch):
    """All four local source systems, seeded with a small population, reachable via AIRFLOW_CONN_*."""
    from sources.run import start_local_sources

    local = start_local_sources(tmp_path / "sources", records=240, seed=11)
    for name, value in local.env().items():
        monkeypatch.setenv(name, value)
    yield local
    local.stop()
