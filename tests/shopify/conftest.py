"""A freshly seeded local Shopify store served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import requests
from loopback import Served, serving

from sources.shopify import API_VERSION, ShopifySystem


def flat(source_id: int, updated_at: str, **values: str) -> dict[str, str]:
    return {"source_system": "shopify", "source_id": str(source_id), "record_type": "person",
            "updated_at": updated_at, **values}


#: Hand-made flat rows: several scripts, an organization, and one malformed e-mail (id 9).
SAMPLE_ROWS = [
    flat(1, "2024-01-01T10:00:00Z", given_name="Иван", family_name="Петров", email="ivan.petrov@example.bg",
         phone="088 123 4567", street="ул. Витоша 12", postal_code="1000", city="София", country="BG"),
    flat(2, "2024-01-01T10:00:01Z", given_name="สมชาย", family_name="ใจดี", email="somchai@example.co.th",
         phone="081 234 5678", city="กรุงเทพมหานคร", country="TH"),
    flat(3, "2024-01-01T10:00:02Z", given_name="志明", family_name="陳", email="chen.zm@example.com.tw",
         phone="0912 345 678", city="台北市", country="TW"),
    flat(4, "2024-01-01T10:00:03Z", given_name="Văn An", family_name="Nguyễn", email="an.nguyen@example.vn",
         phone="091 234 56 78", city="Hà Nội", country="VN"),
    flat(5, "2024-01-01T12:00:04+02:00", given_name="Jürgen", family_name="Müller",
         email="J.Mueller@Example.de;juergen@work.example.de", phone="030 1234567;0171 1234567",
         street="Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
    flat(6, "2024-01-01T10:00:05Z", record_type="organization", organization_name="Müller Bau GmbH",
         email="info@muellerbau.example.de", country="DE", tax_id="DE123456789"),
    flat(7, "2024-01-01T10:00:06Z", given_name="محمد", family_name="رضایی", email="m.rezaei@example.ir",
         country="IR"),
    flat(8, "2024-01-01T10:00:07Z", given_name="john", family_name="smith", email="john.smith@example.com",
         phone="(202) 555-0143", country="US"),
    flat(9, "2024-01-01T10:00:08Z", given_name="Broken", family_name="Mail", email="broken@@example",
         country="GB"),
    flat(10, "2024-01-01T10:00:09Z", given_name="Olivia", family_name="Brown", email="olivia@example.co.uk",
         country="GB"),
]
VALID_IDS = [str(i) for i in range(1, 11) if i != 9]


@dataclass
class Shop(Served):
    system: ShopifySystem
    kind: ClassVar[str] = "shopify"

    @property
    def api(self) -> str:
        return f"{self.url}/admin/api/{API_VERSION}"

    def get(self, path: str, token: str | None = None, **params) -> requests.Response:
        headers = {"X-Shopify-Access-Token": token or self.system.access_token}
        return requests.get(self.api + path, params=params, headers=headers, timeout=5)

    def put(self, path: str, body: dict) -> requests.Response:
        return requests.put(self.api + path, json=body, timeout=5,
                            headers={"X-Shopify-Access-Token": self.system.access_token})


@pytest.fixture
def make_shop(tmp_path) -> Iterator[Callable[..., Shop]]:
    with serving(tmp_path, ShopifySystem, Shop, SAMPLE_ROWS) as start:
        yield start


@pytest.fixture
def shop(make_shop) -> Shop:
    return make_shop()


@pytest.fixture
def sample_rows() -> list[dict[str, str]]:
    return [dict(row) for row in SAMPLE_ROWS]


@pytest.fixture
def flat_row() -> Callable[..., dict[str, str]]:
    return flat
