"""A freshly seeded local Shopify store served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import requests
from loopback import Served, serving
from seed_samples import SHOP_CUSTOMERS, flat_record, seed_rows

from sources.shopify import API_VERSION, ShopifySystem


def flat(source_id: int, updated_at: str, **values: str) -> dict[str, str]:
    return flat_record("shopify", str(source_id), updated_at, **values)


#: Hand-made flat rows: several scripts, an organization, and one malformed e-mail (id 9); Shopify
#: keeps no birth date.
SAMPLE_ROWS = seed_rows("shopify", SHOP_CUSTOMERS, jurgen_written_at="2024-01-01T12:00:04+02:00",
                          date_of_birth=(1,))
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
