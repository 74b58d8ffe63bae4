"""Hand-made flat rows for the legacy systems: several scripts, an organisation, and deliberately bad rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from connectors.credentials import Credentials, parse_connection
from schemas import SourceConfig

COLUMNS = [
    "source_system", "source_id", "record_type", "given_name", "family_name", "full_name",
    "organization_name", "email", "phone", "street", "postal_code", "city", "country", "date_of_birth",
    "tax_id", "updated_at",
]


def flat(source_id: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update({"source_system": "legacy", "source_id": source_id, "record_type": "person", **values})
    return row


#: Three rows share one timestamp so that paging must break the tie by id.
ROWS = [
    flat("K-1001", given_name="Jürgen", family_name="Müller", email="juergen.mueller@example.de",
         phone="030 1234567;0171 2345678", street="Hauptstraße 5", postal_code="10115", city="Berlin",
         country="DE", date_of_birth="1980-02-29", updated_at="2026-01-01T10:00:00+00:00"),
    flat("K-1002", given_name="Иван", family_name="Петров", email="ivan.petrov@example.bg",
         phone="+359 2 987 6543", city="София", country="BG", date_of_birth="1975-12-31",
         updated_at="2026-01-02T10:00:00+00:00"),
    flat("K-1003", given_name="สมชาย", family_name="ใจดี", phone="02 123 4567", city="กรุงเทพมหานคร",
         country="TH", date_of_birth="1990-07-15", updated_at="2026-01-02T10:00:00+00:00"),
    flat("K-1004", full_name="陳大文", email="tai.man@example.tw", city="臺北市", country="TW",
         updated_at="2026-01-02T10:00:00+00:00"),
    flat("K-1005", given_name="Hương", family_name="Nguyễn Thị", email="huong.nguyen@example.vn",
         city="Hà Nội", country="VN", date_of_birth="1988-03-08", updated_at="2026-01-03T08:30:00+00:00"),
    flat("K-1006", record_type="organization", organization_name="Muster GmbH", email="info@muster.de",
         street="Industrieweg 1", postal_code="70173", city="Stuttgart", country="DE", tax_id="DE123456789",
         updated_at="2026-01-04T09:00:00+00:00"),
    flat("K-1007", given_name="Broken", family_name="Mail", email="not-an-e-mail", country="DE",
         updated_at="2026-01-05T09:00:00+00:00"),
    flat("K-1008", given_name="Robert'); DROP TABLE CUST_MASTER;--", family_name="Tables", country="GB",
         updated_at="2026-01-06T09:00:00+00:00"),
]
VALID_IDS = ["K-1001", "K-1002", "K-1003", "K-1004", "K-1005", "K-1006", "K-1008"]


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return [dict(row) for row in ROWS]


@pytest.fixture
def valid_ids() -> list[str]:
    return list(VALID_IDS)


@pytest.fixture
def make_config() -> Callable[..., SourceConfig]:
    def make(name: str, kind: str, page_size: int = 3, **options: Any) -> SourceConfig:
        return SourceConfig(name=name, kind=kind, page_size=page_size, options=options)
    return make


@pytest.fixture
def credentials_of() -> Callable[[dict], Credentials]:
    """What the hub builds from a system's published Airflow connection (through the JSON format)."""
    return lambda connection: parse_connection(json.dumps(connection))


@pytest.fixture
def flat_row() -> Callable[..., dict[str, str]]:
    return flat
