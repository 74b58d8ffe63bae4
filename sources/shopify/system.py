"""The local Shopify store as one object the source runner can seed, serve and inspect."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.shopify.api import ShopSettings, build_app, customer_json
from sources.shopify.bucket import LeakyBucket
from sources.shopify.graphql_cost import CostBucket
from sources.shopify.seed import customer_from_flat
from sources.shopify.store import ShopifyStore
from sources.webshop.faults import Faults

API_VERSION = "2024-10"
#: Where the hub keeps the golden id: a customer metafield ``crm_hub.golden_id`` (single line text).
GOLDEN_ID_NAMESPACE, GOLDEN_ID_KEY = "crm_hub", "golden_id"
DEFAULT_PORT = 8084


class ShopifySystem:
    """A Shopify-like store: SQLite under ``data_dir``, GraphQL and REST Admin APIs, rate limits, faults.

    Settings: ``access_token`` (the Admin API token), ``timezone`` (the shop's IANA zone; timestamps are
    rendered in it), ``bucket_size``/``leak_rate`` (rate limit, Shopify standard: 40 and 2/s),
    ``graphql_points``/``graphql_restore_rate`` (GraphQL cost limit, standard: 1000 and 50/s),
    ``shop_domain``, ``port`` (used by :meth:`connection` without a base URL).
    """

    name = "shopify"

    def __init__(self, data_dir: Path, **settings: Any):
        self.data_dir = Path(data_dir)
        self.store = ShopifyStore(self.data_dir / "shopify.sqlite")
        self.faults = Faults()
        self.access_token: str = settings.get("access_token", "shpat_local_shopify_token")
        self.shop = ShopSettings(settings.get("shop_name", "CRM Hub Demo Store"),
                                 settings.get("shop_domain", "crmhub-demo.myshopify.com"),
                                 settings.get("timezone", "Asia/Bangkok"), self.access_token)
        self.bucket = LeakyBucket(int(settings.get("bucket_size", 40)), float(settings.get("leak_rate", 2.0)))
        self.points = CostBucket(int(settings.get("graphql_points", 1000)),
                                 float(settings.get("graphql_restore_rate", 50.0)))
        self.port: int = int(settings.get("port", DEFAULT_PORT))

    def seed(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Store this system's rows as customers (others skipped); idempotent, keeps what was pushed back.

        ``source_id`` becomes the customer id, so it must be a positive integer (``ValueError`` otherwise).
        """
        customers = [customer_from_flat(row) for row in rows
                     if (row.get("source_system") or self.name) == self.name]
        self.store.insert_customers(customers)
        return len(customers)

    def app(self) -> FastAPI:
        return build_app(self.store, self.faults, self.shop, self.bucket, self.points)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection: the Admin API access token as password; the API version in ``extra``."""
        return airflow_connection(
            base_url or f"http://127.0.0.1:{self.port}", password=self.access_token, api_version=API_VERSION
        )

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        """The customer as the API returns it, plus ``golden_id`` from its ``crm_hub.golden_id`` metafield."""
        if not str(source_id).isdigit():
            return None
        customer = self.store.get_customer(int(source_id))
        if customer is None:
            return None
        metafields = self.store.metafields(customer["id"], GOLDEN_ID_NAMESPACE, GOLDEN_ID_KEY)
        golden_id = metafields[0]["value"] if metafields else None
        return {**customer_json(customer, self.shop), "golden_id": golden_id}
