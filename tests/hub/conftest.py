"""Generated customers for the hub suites (golden records over time, erasure, decisions), and a hub
store that holds them staged and matched once ("run-1"), copied for each test that needs one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hub_staging import hub_config, stage
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord
from sources.generator import generate_dataset, to_customer_record


@pytest.fixture
def store(store_url):
    """A fresh, empty hub store on each backend."""
    made = HubStore(store_url, upgrade=True)
    yield made
    made.close()


@pytest.fixture(scope="module")
def records() -> list[CustomerRecord]:
    rows = generate_dataset(n_records=320, seed=5, malformed_rate=0.0).rows
    return [to_customer_record(r) for r in rows]


@pytest.fixture(scope="module")
def matched_snapshots(tmp_path_factory) -> dict[str, str]:
    """Per backend, where the module's first matched store was copied to (a file or a database)."""
    return {}


def _snapshot(url: str, folder: Path) -> str:
    """Copy the closed store at ``url``: the SQLite file, or a PostgreSQL database made from it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(shutil.copy(parsed.database, folder / "snapshot.db"))
    name = f"{parsed.database}_snapshot"
    _admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    return name


def _restore(url: str, snapshot: str) -> None:
    """Make the (empty) store at ``url`` a copy of ``snapshot``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        shutil.copy(snapshot, parsed.database)
        return
    name = parsed.database
    _admin(url, f'DROP DATABASE "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{snapshot}"')


def _admin(url: str, *statements: str) -> None:
    """Run database-level statements from the server's maintenance database (outside a transaction)."""
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def hub(request, store_url, records, matched_snapshots, tmp_path_factory):
    """A pipeline on a store with ``records`` staged and matched as run "run-1". The first test of a
    module on a backend stages and matches; the others start from a copy of that store (the same rows,
    a second of copying instead of a match)."""
    backend = request.node.callspec.params["store_url"]
    if backend in matched_snapshots:
        _restore(store_url, matched_snapshots[backend])
        pipeline = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    else:
        pipeline = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
        stage(pipeline.store, records)
        pipeline.match("run-1")
        pipeline.store.close()
        matched_snapshots[backend] = _snapshot(store_url, tmp_path_factory.mktemp("matched"))
        pipeline = SyncPipeline(hub_config(store_url), HubStore(store_url, upgrade=True))
    yield pipeline
    pipeline.store.close()
