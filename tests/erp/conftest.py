"""A seeded local ERP served over real HTTP on loopback, and connectors configured the way Airflow would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from connectors.credentials import parse_connection
from connectors.soap_erp import ErpSoapConnector
from schemas import SourceConfig
from sources.erp import ErpSystem
from sources.serve import RunningServer, serve_in_thread

ROWS = [
    {
        "source_system": "erp",
        "source_id": "1001",
        "record_type": "person",
        "given_name": "Анна",
        "family_name": "Иванова",
        "email": "anna.ivanova@example.bg",
        "phone": "+359 2 987 6543;+359 88 123 4567",
        "street": "ул. Витоша 12",
        "postal_code": "1000",
        "city": "София",
        "country": "BG",
        "date_of_birth": "1985-04-12",
        "updated_at": "2024-03-01T08:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "1002",
        "record_type": "person",
        "given_name": "สมชาย",
        "family_name": "ใจดี",
        "email": "somchai@example.co.th",
        "phone": "02 123 4567",
        "city": "กรุงเทพมหานคร",
        "country": "TH",
        "updated_at": "2024-03-01T08:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "1003",
        "record_type": "person",
        "given_name": "志明",
        "family_name": "陳",
        "phone": "02 2345 6789",
        "city": "臺北市",
        "country": "TW",
        "updated_at": "2024-03-02T09:30:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "1004",
        "record_type": "person",
        "given_name": "Thị Lan",
        "full_name": "Nguyễn Thị Lan",
        "family_name": "Nguyễn",
        "email": "lan.nguyen@example.vn",
        "city": "Hà Nội",
        "country": "VN",
        "updated_at": "2024-03-03T10:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "1005",
        "record_type": "organization",
        "organization_name": "Müller Maschinenbau GmbH",
        "email": "info@mueller-maschinenbau.de",
        "street": "Hauptstraße 5",
        "postal_code": "70173",
        "city": "Stuttgart",
        "country": "DE",
        "tax_id": "DE123456789",
        "updated_at": "2024-03-04T11:00:00Z",
    },
    {
        "source_system": "erp",
        "source_id": "1006",
        "record_type": "person",
        "given_name": "John",
        "family_name": "SMITH",
        "email": "john.smith(at)example.com",
        "country": "GB",
        "updated_at": "2024-03-05T12:00:00Z",
    },  # malformed e-mail: must be quarantined, not dropped
]
MALFORMED_ID = "0000001006"
ALL_IDS = [f"000000{100 + i}" for i in range(1, 7)]


def connector_for(
    system: ErpSystem, server: RunningServer, page_size: int = 2, **options: object
) -> ErpSoapConnector:
    """Built like the Airflow hook does: from the system's connection JSON."""
    credentials = parse_connection(json.dumps(system.connection(server.url)))
    config = SourceConfig(
        name="erp", kind="soap_erp", page_size=page_size, options={"backoff": 0.05, **options}
    )
    return ErpSoapConnector(config, credentials)


@dataclass
class RunningErp:
    system: ErpSystem
    server: RunningServer

    def connector(self, page_size: int = 2, **options: object) -> ErpSoapConnector:
        return connector_for(self.system, self.server, page_size, **options)


@pytest.fixture
def erp_connector_for():
    return connector_for


@pytest.fixture
def erp_rows() -> list[dict[str, str]]:
    """Flat rows in Cyrillic, Thai, Chinese, Vietnamese and German, plus one malformed e-mail."""
    return [dict(row) for row in ROWS]


@pytest.fixture
def erp(tmp_path) -> Iterator[RunningErp]:
    system = ErpSystem(tmp_path / "erp")
    system.seed(ROWS)
    server = serve_in_thread(system.app())
    try:
        yield RunningErp(system, server)
    finally:
        server.stop()
