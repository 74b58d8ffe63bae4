"""The local ERP on loopback, reached through the generic SOAP connector configured from YAML only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.credentials import parse_connection
from connectors.soap_generic import GenericSoapConnector
from schemas import SourceConfig
from sources.erp import ErpSystem
from sources.serve import RunningServer, serve_in_thread

CONFIG_YAML = Path(__file__).with_name("erp_generic.yaml")

ROWS = [
    {
        "source_system": "erp",
        "source_id": "2001",
        "record_type": "person",
        "given_name": "Анна",
        "family_name": "Иванова",
        "full_name": "Анна Иванова",
        "email": "anna.ivanova@example.bg",
        "phone": "+359 2 987 6543;+359 88 123 4567",
        "city": "София",
        "country": "BG",
        "date_of_birth": "1985-04-12",
        "updated_at": "2024-03-01T08:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "2002",
        "record_type": "person",
        "given_name": "สมชาย",
        "family_name": "ใจดี",
        "phone": "02 123 4567",
        "country": "TH",
        "updated_at": "2024-03-01T08:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "2003",
        "record_type": "person",
        "given_name": "志明",
        "family_name": "陳",
        "city": "臺北市",
        "country": "TW",
        "updated_at": "2024-03-02T09:30:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "2004",
        "record_type": "person",
        "given_name": "Thị Lan",
        "family_name": "Nguyễn",
        "full_name": "Nguyễn Thị Lan",
        "country": "VN",
        "updated_at": "2024-03-03T10:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "2005",
        "record_type": "organization",
        "organization_name": "Müller Maschinenbau GmbH",
        "city": "Stuttgart",
        "country": "DE",
        "tax_id": "DE123456789",
        "updated_at": "2024-03-04T11:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "2006",
        "record_type": "person",
        "given_name": "John",
        "family_name": "SMITH",
        "email": "john.smith(at)example.com",
        "country": "GB",
        "updated_at": "2024-03-05T12:00:00Z",
    },  # malformed e-mail: quarantined, not dropped
]
ALL_IDS = [f"{n:010d}" for n in range(2001, 2007)]
MALFORMED_ID = "0000002006"


def ids(pages) -> list[str]:
    return [r.source_id for p in pages for r in p.records] + [
        q.source_id for p in pages for q in p.quarantined
    ]


def yaml_config(**overrides: Any) -> SourceConfig:
    data = yaml.safe_load(CONFIG_YAML.read_text(encoding="utf-8"))
    options = {**data.pop("options"), **overrides.pop("options", {})}
    return SourceConfig.model_validate({**data, "options": options, **overrides})


@dataclass
class RunningErp:
    system: ErpSystem
    server: RunningServer

    def connector(self, connection: dict | None = None, **overrides: Any) -> GenericSoapConnector:
        credentials = parse_connection(json.dumps(connection or self.system.connection(self.server.url)))
        return GenericSoapConnector(yaml_config(**overrides), credentials)


@pytest.fixture
def erp(tmp_path) -> Iterator[RunningErp]:
    system = ErpSystem(tmp_path / "erp")
    system.seed([dict(row) for row in ROWS])
    server = serve_in_thread(system.app())
    try:
        yield RunningErp(system, server)
    finally:
        server.stop()
