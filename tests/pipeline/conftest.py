"""A hub configuration pointing at the local source systems and a fresh store."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from schemas import HubConfig

REPO = Path(__file__).resolve().parents[2]


def demo_config(store_url: str, sources_dir: Path) -> HubConfig:
    """The shipped config/crmhub.yaml with the test's store and the test's CSV export folder."""
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["database_url"] = store_url
    return HubConfig.model_validate(data)


@pytest.fixture
def hub_config(store_url, local_sources) -> HubConfig:
    return demo_config(store_url, local_sources.data_dir)


@pytest.fixture
def all_sources(tmp_path, monkeypatch, seeded_sources):
    """All nine local systems (``crmhub sources serve --all``) with shares of the same customers."""
    local = seeded_sources(tmp_path / "sources", records=160, seed=13, extra=True)
    for name, value in local.env().items():
        monkeypatch.setenv(name, value)
    yield local
    local.stop()
