"""The local web shop as one object the runner can seed, serve and inspect (see ``sources/run.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.webshop.api import API, build_app, customer_json
from sources.webshop.faults import Faults
from sources.webshop.request_log import RequestLog
from sources.webshop.seed import customer_from_flat, orders_for
from sources.webshop.store import ShopStore
from sources.webshop.webhooks import Webhooks

#: The meta key the hub writes the golden id into (``meta_data`` entry, as WooCommerce plugins do).
GOLDEN_ID_META_KEY = "crm_golden_id"
DEFAULT_PORT = 8082


class WebShopSystem:
    """A WooCommerce-like shop: SQLite under ``data_dir``, REST API, fault injection.

    Settings: ``consumer_key``/``consumer_secret`` (the API credentials), ``port`` (used by
    :meth:`connection` when no base URL is given).
    """

    name = "webshop"

    def __init__(self, data_dir: Path, **settings: Any):
        self.data_dir = Path(data_dir)
        self.store = ShopStore(self.data_dir / "webshop.sqlite")
        self.faults = Faults()
        self.consumer_key: str = settings.get("consumer_key", "ck_local_webshop")
        self.consumer_secret: str = settings.get("consumer_secret", "cs_local_webshop")
        self.port: int = int(settings.get("port", DEFAULT_PORT))
        self.webhooks = Webhooks(f"http://127.0.0.1:{self.port}")
        #: Every API request answered (method, path, query), for tests and benchmarks to count.
        self.requests = RequestLog()

    def seed(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Store the webshop rows (others are skipped) and a few orders for each new customer.

        Idempotent: customers already stored are kept as they are, including golden ids and fields the
        hub pushed back. Returns the number of webshop customers now stored from ``rows``. A row that
        cannot be a shop customer at all (id not an integer) raises ``ValueError`` naming it.
        """
        customers = [customer_from_flat(row) for row in rows
                     if (row.get("source_system") or self.name) == self.name]
        inserted = set(self.store.insert_customers(customers))
        self.store.add_orders(order for c in customers if c["id"] in inserted for order in orders_for(c))
        return len(customers)

    def app(self) -> FastAPI:
        return build_app(self.store, self.faults, self.consumer_key, self.consumer_secret,
                         self.webhooks, self.requests)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection: the consumer key/secret (OAuth 1.0a over HTTP, Basic over HTTPS);
        ``schema`` is the API root path."""
        return airflow_connection(
            base_url or f"http://127.0.0.1:{self.port}",
            login=self.consumer_key,
            password=self.consumer_secret,
            schema=API.strip("/"),
        )

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        """The customer as the API returns it, plus ``golden_id`` read from its meta data."""
        if not str(source_id).isdigit():
            return None
        customer = self.store.get_customer(int(source_id))
        if customer is None:
            return None
        meta = {entry["key"]: entry["value"] for entry in customer["meta_data"]}
        return {**customer_json(customer), "golden_id": meta.get(GOLDEN_ID_META_KEY)}

    def lifetime_value(self, source_id: str) -> float:
        """Sum of completed/processing order totals (for the customer-lifetime-value demo)."""
        orders, _ = self.store.list_orders(customer_id=int(source_id), page=1, per_page=10_000)
        return round(sum(float(o["total"]) for o in orders if o["status"] in ("completed", "processing")), 2)
