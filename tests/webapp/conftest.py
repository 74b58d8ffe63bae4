"""Fixtures of the workbench/API tests: a hub store matched from generated customers, the standalone
app with three users (steward, viewer, read-only API consumer), and helpers to stage records."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from webapp_support import USERS, matched_pipeline

from schemas import CustomerRecord
from sources.generator import generate_dataset, to_customer_record
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users


@pytest.fixture(scope="module")
def generated() -> list[CustomerRecord]:
    rows = generate_dataset(n_records=200, seed=5, malformed_rate=0.0).rows
    return [to_customer_record(r) for r in rows]


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
