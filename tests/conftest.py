"""Suite-wide fixtures: an isolated Airflow home, a throw-away PostgreSQL, hub stores on both backends,
and the local source systems served over real HTTP on loopback."""

from __future__ import annotations

import itertools
import json
import os
import shutil
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


@pytest.fixture(scope="session")
def seeded_sources(tmp_path_factory):
    """``seeded_sources(dest, records, seed, extra=False)`` starts the local systems on a copy of a data
    folder seeded once per session and parameters (seeding is most of a start; serving a seeded copy
    takes a tenth of a second). Each copy is a fresh population: no test sees another's changes."""
    from sources.run import start_local_sources

    templates: dict[tuple[int, int, bool], Path] = {}

    def start(dest: Path, records: int, seed: int, extra: bool = False):
        key = (records, seed, extra)
        if key not in templates:
            template = tmp_path_factory.mktemp(f"sources-{records}-{seed}-{int(extra)}")
            start_local_sources(template, records=records, seed=seed, extra=extra).stop()
            templates[key] = template
        shutil.copytree(templates[key], dest)
        return start_local_sources(dest, records=records, seed=seed, extra=extra)

    return start


@pytest.fixture
def local_sources(tmp_path, monkeypatch, seeded_sources):
    """All four local source systems, seeded with a small population, reachable via AIRFLOW_CONN_*."""
    local = seeded_sources(tmp_path / "sources", records=240, seed=11)
    for name, value in local.env().items():
        monkeypatch.setenv(name, value)
    yield local
    local.stop()


@pytest.fixture(scope="session")
def tryton_template(tmp_path_factory):
    """A Tryton database made by ``trytond-admin`` (party, country) and seeded with PARTIES by proteus,
    once per session (about 15 s): the folder and the party ids by key. Tests work on copies."""
    from sources.tryton import PARTIES, TrytonServer

    server = TrytonServer(tmp_path_factory.mktemp("tryton-template")).start()
    parties = json.loads(PARTIES.read_text(encoding="utf-8"))
    ids = server.seed(parties)
    server.stop()
    (server.data_dir / "trytond.log").unlink(missing_ok=True)
    return server.data_dir, {p["key"]: party_id for p, party_id in zip(parties, ids, strict=True)}


@pytest.fixture
def seeded_tryton(tryton_template, tmp_path):
    """A fresh Tryton database of the seeded parties for this test (a copy; not served): the
    ``TrytonServer`` and the party ids by key."""
    from sources.tryton import TrytonServer

    template, ids = tryton_template
    copy = shutil.copytree(template, tmp_path / "tryton")
    config = copy / "trytond.conf"  # proteus opens the database the configuration names: the copy's
    config.write_text(config.read_text(encoding="utf-8").replace(str(template), str(copy)), encoding="utf-8")
    return TrytonServer(copy), dict(ids)
