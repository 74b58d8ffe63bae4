"""A freshly seeded local Odoo served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import requests
from loopback import Served, serving

from sources.odoo import OdooSystem


def flat(source_id: int, updated_at: str, **values: str) -> dict[str, str]:
    return {"source_system": "odoo", "source_id": str(source_id), "record_type": "person",
            "updated_at": updated_at, **values}


#: Hand-made flat rows: several scripts, a company with a contact, one malformed e-mail (id 9).
SAMPLE_ROWS = [
    flat(1, "2024-01-01T10:00:00Z", full_name="Иван Петров", email="ivan.petrov@example.bg",
         phone="088 123 4567", street="ул. Витоша 12", postal_code="1000", city="София", country="BG"),
    flat(2, "2024-01-01T10:00:01Z", full_name="สมชาย ใจดี", email="somchai@example.co.th",
         phone="081 234 5678", city="กรุงเทพมหานคร", country="TH"),
    flat(3, "2024-01-01T10:00:02Z", full_name="陳志明", email="chen.zm@example.com.tw",
         phone="0912 345 678", city="台北市", country="TW"),
    flat(4, "2024-01-01T10:00:03Z", full_name="Nguyễn Văn An", email="an.nguyen@example.vn",
         phone="091 234 56 78", city="Hà Nội", country="VN"),
    flat(5, "2024-01-01T12:00:04+02:00", full_name="Jürgen Müller", organization_name="Müller Bau GmbH",
         email="J.Mueller@Example.de;juergen@work.example.de", phone="030 1234567;0171 1234567",
         street="Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
    flat(6, "2024-01-01T10:00:05Z", record_type="organization", organization_name="Müller Bau GmbH",
         email="info@muellerbau.example.de", country="DE", tax_id="DE123456789"),
    flat(7, "2024-01-01T10:00:06Z", full_name="محمد رضایی", email="m.rezaei@example.ir", country="IR"),
    flat(8, "2024-01-01T10:00:06Z", full_name="john smith", email="john.smith@example.com",
         phone="(202) 555-0143", country="US"),
    flat(9, "2024-01-01T10:00:06Z", full_name="Broken Mail", email="broken@@example", country="GB"),
    flat(10, "2024-01-01T10:00:09Z", full_name="Olivia Brown", email="olivia@example.co.uk", country="GB"),
]
VALID_IDS = sorted({str(i) for i in range(1, 11)} - {"9"}, key=int)


@dataclass
class Odoo(Served):
    system: OdooSystem
    kind: ClassVar[str] = "odoo"

    def rpc(self, service: str, method: str, *args):
        """A raw JSON-RPC call, as any Odoo client library would send it."""
        body = {"jsonrpc": "2.0", "method": "call", "id": 7,
                "params": {"service": service, "method": method, "args": list(args)}}
        return requests.post(f"{self.url}/jsonrpc", json=body, timeout=5)

    def execute(self, model: str, method: str, args: list, kwargs: dict | None = None):
        system = self.system
        return self.rpc("object", "execute_kw", system.database, 2, system.password, model, method, args,
                        kwargs or {})


@pytest.fixture
def make_odoo(tmp_path) -> Iterator[Callable[..., Odoo]]:
    with serving(tmp_path, OdooSystem, Odoo, SAMPLE_ROWS) as start:
        yield start


@pytest.fixture
def odoo(make_odoo) -> Odoo:
    return make_odoo()


@pytest.fixture
def sample_rows() -> list[dict[str, str]]:
    return [dict(row) for row in SAMPLE_ROWS]


@pytest.fixture
def flat_row() -> Callable[..., dict[str, str]]:
    return flat
