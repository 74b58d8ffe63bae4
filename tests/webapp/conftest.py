"""Fixtures of the workbench/API tests: a hub store matched from generated customers, the standalone
app with three users (steward, viewer, read-only API consumer), and helpers to stage records."""

from __future__ import annotations

from collections import defaultdict

import pytest
from fastapi.testclient import TestClient

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import CustomerRecord, HubConfig
from sources.generator import generate_dataset, to_customer_record
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users

SYSTEMS = ("erp", "webshop", "legacy_db", "legacy_csv")
TOKENS = {
    "ann": "steward-token-0123456789",
    "vic": "viewer-token-0123456789",
    "erp": "api-token-0123456789ab",
}
USERS = f"ann:steward:{TOKENS['ann']},vic:viewer:{TOKENS['vic']},erp:api:{TOKENS['erp']}"


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


def hub_config(url: str) -> HubConfig:
    return HubConfig(
        database_url=url,
        sources=[{"name": n, "kind": "csv", "trust": t} for t, n in enumerate(SYSTEMS, start=1)],
    )


def stage(store: HubStore, records: list[CustomerRecord]) -> None:
    by_system: dict[str, list[CustomerRecord]] = defaultdict(list)
    for record in records:
        by_system[record.source_system].append(record)
    for system, batch in by_system.items():
        store.stage_page(system, batch, [], cursor=None)


@pytest.fixture(scope="module")
def generated() -> list[CustomerRecord]:
    rows = generate_dataset(n_records=200, seed=5, malformed_rate=0.0).rows
    return [to_customer_record(r) for r in rows]


def matched_pipeline(url: str, records: list[CustomerRecord]) -> SyncPipeline:
    pipeline = SyncPipeline(hub_config(url), HubStore(url))
    stage(pipeline.store, records)
    pipeline.match("run-1")
    return pipeline


@pytest.fixture
def hub(tmp_path, generated):
    pipeline = matched_pipeline(f"sqlite:///{tmp_path}/hub.db", generated)
    yield pipeline
    pipeline.store.close()


@pytest.fixture
def auth() -> StandaloneAuth:
    return StandaloneAuth(parse_users(USERS), secret=b"test-secret-not-for-production")


@pytest.fixture
def client(hub, auth):
    app = create_app(lambda: hub.store, hub.config, auth)
    with TestClient(app) as test_client:
        yield test_client
