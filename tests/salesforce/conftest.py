"""A seeded local Salesforce org served over real HTTP on loopback, and connectors built from its
Airflow connection JSON the way the hook does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from connectors.credentials import parse_connection
from connectors.salesforce import SalesforceConnector
from schemas import SourceConfig
from sources.salesforce import SalesforceSystem
from sources.salesforce.objects import record_id
from sources.serve import RunningServer, serve_in_thread

ROWS = [
    {
        "source_system": "salesforce",
        "source_id": "1",
        "record_type": "person",
        "given_name": "Анна",
        "family_name": "Иванова",
        "email": "anna.ivanova@example.bg",
        "phone": "+359 2 987 6543",
        "street": "ул. Витоша 12",
        "postal_code": "1000",
        "city": "София",
        "country": "BG",
        "date_of_birth": "1985-04-12",
        "updated_at": "2024-03-01T08:00:00Z",
    },
    {
        "source_system": "salesforce",
        "source_id": "2",
        "record_type": "person",
        "given_name": "สมชาย",
        "family_name": "ใจดี",
        "email": "somchai@example.co.th",
        "phone": "02 123 4567",
        "country": "TH",
        "updated_at": "2024-03-01T08:00:00Z",
    },  # same SystemModstamp as Анна: the Id breaks the tie
    {
        "source_system": "salesforce",
        "source_id": "3",
        "record_type": "person",
        "given_name": "志明",
        "family_name": "陳",
        "phone": "02 2345 6789",
        "city": "臺北市",
        "country": "TW",
        "updated_at": "2024-03-01T08:00:00Z",
    },
    {
        "source_system": "salesforce",
        "source_id": "4",
        "record_type": "person",
        "given_name": "Thị Lan",
        "family_name": "Nguyễn",
        "email": "lan.nguyen@example.vn",
        "city": "Hà Nội",
        "country": "VN",
        "updated_at": "2024-03-03T10:00:00Z",
    },
    {
        "source_system": "salesforce",
        "source_id": "5",
        "record_type": "person",
        "given_name": "John",
        "family_name": "SMITH",
        "email": "john.smith(at)example.com",
        "country": "GB",
        "updated_at": "2024-03-05T12:00:00Z",
    },  # malformed e-mail: quarantined, not dropped
    {
        "source_system": "salesforce",
        "source_id": "1",
        "record_type": "organization",
        "organization_name": "Müller Maschinenbau GmbH",
        "phone": "+49 711 123456",
        "street": "Hauptstraße 5",
        "postal_code": "70173",
        "city": "Stuttgart",
        "country": "DE",
        "tax_id": "DE123456789",
        "updated_at": "2024-03-02T11:00:00Z",
    },
    {
        "source_system": "salesforce",
        "source_id": "2",
        "record_type": "organization",
        "organization_name": "Công ty TNHH Sao Mai",
        "city": "Hồ Chí Minh",
        "country": "VN",
        "updated_at": "2024-03-04T09:00:00Z",
    },
]
CONTACTS = [record_id("Contact", n) for n in range(1, 6)]
ACCOUNTS = [record_id("Account", n) for n in range(1, 3)]
MALFORMED_ID = CONTACTS[4]


def ids(pages) -> list[str]:
    return [r.source_id for p in pages for r in p.records] + [
        q.source_id for p in pages for q in p.quarantined
    ]


@dataclass
class RunningOrg:
    system: SalesforceSystem
    server: RunningServer

    def connection(self, auth: str = "soap_login") -> dict:
        """The SOAP fallback by default (test_salesforce_connector.py); the OAuth suites pass ``auth``."""
        return self.system.connection(self.server.url, auth=auth)

    def connector(
        self, page_size: int = 2, connection: dict | None = None, **options: object
    ) -> SalesforceConnector:
        credentials = parse_connection(json.dumps(connection or self.connection()))
        config = SourceConfig(
            name="salesforce", kind="salesforce", page_size=page_size, options={"backoff": 0.05, **options}
        )
        return SalesforceConnector(config, credentials)


@pytest.fixture
def org(tmp_path) -> Iterator[RunningOrg]:
    system = SalesforceSystem(tmp_path / "salesforce", min_batch_size=1)
    system.seed([dict(row) for row in ROWS])
    server = serve_in_thread(system.app())
    try:
        yield RunningOrg(system, server)
    finally:
        server.stop()
