"""Fixtures of the reliability tests: a small population of the four local systems and a hub config
(SQLite store, all sources, push-back on) pointing at them."""

from __future__ import annotations

import pytest

from bench.reliability import write_config
from schemas import HubConfig, load_config


@pytest.fixture
def small_sources(tmp_path, monkeypatch, seeded_sources):
    """The four local systems with 80 seeded customers, connections in ``AIRFLOW_CONN_*``."""
    local = seeded_sources(tmp_path / "sources", records=80, seed=5)
    for name, value in local.env().items():
        monkeypatch.setenv(name, value)
    yield local
    local.stop()


@pytest.fixture
def hub_config(tmp_path, small_sources, monkeypatch) -> HubConfig:
    url = f"sqlite:///{tmp_path}/hub.db"
    monkeypatch.setenv("CRMHUB_DATABASE_URL", url)
    return load_config(write_config(tmp_path / "crmhub.yaml", url))
