"""A freshly seeded local web shop served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from loopback import Served, serving
from seed_samples import SHOP_CUSTOMERS, flat_record, seed_rows

from connectors.rest_shop import woocommerce_auth
from sources.webshop import WebShopSystem


def flat(source_id: int, updated_at: str, **values: str) -> dict[str, str]:
    return flat_record("webshop", str(source_id), updated_at, **values)


#: Hand-made flat rows: several scripts, an organization, and one malformed e-mail (id 9).
SAMPLE_ROWS = seed_rows("webshop", SHOP_CUSTOMERS)
VALID_IDS = {str(i) for i in range(1, 11)} - {"9"}


@dataclass
class Shop(Served):
    system: WebShopSystem
    kind: ClassVar[str] = "rest_shop"

    @property
    def auth(self) -> Any:
        """How a client authenticates to this shop over plain HTTP: OAuth 1.0a, as WooCommerce asks."""
        return woocommerce_auth(self.url, self.system.consumer_key, self.system.consumer_secret)

    @property
    def key_and_secret(self) -> tuple[str, str]:
        return self.system.consumer_key, self.system.consumer_secret


@pytest.fixture
def make_shop(tmp_path) -> Iterator[Callable[..., Shop]]:
    with serving(tmp_path, WebShopSystem, Shop, SAMPLE_ROWS) as start:
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
