"""The local Odoo as one object the source runner can seed, serve and inspect (see ``sources/run.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.odoo.rpc import OdooRpc, build_app
from sources.odoo.seed import COUNTRY_NAMES, partner_from_flat, partner_id_of
from sources.odoo.store import OdooStore
from sources.webshop.faults import Faults

DEFAULT_PORT = 8069  # Odoo's own default port
#: Fields :meth:`OdooSystem.inspect` returns (the API's shape, incl. the golden id custom field).
INSPECT_FIELDS = ["name", "is_company", "active", "parent_id", "company_name", "email", "phone", "mobile",
                  "street", "zip", "city", "country_id", "vat", "x_crm_golden_id", "write_date"]


class OdooSystem:
    """An Odoo-like ``res.partner`` book: SQLite under ``data_dir``, JSON-RPC API, fault injection.

    Settings: ``database`` (Odoo database name), ``login``/``password`` (the API user; the password
    may be an API key, as in Odoo), ``port`` (used by :meth:`connection` without a base URL).
    """

    name = "odoo"

    def __init__(self, data_dir: Path, **settings: Any):
        self.data_dir = Path(data_dir)
        self.store = OdooStore(self.data_dir / "odoo.sqlite")
        self.faults = Faults()
        self.database: str = settings.get("database", "crmhub")
        self.login: str = settings.get("login", "api@crmhub.example")
        self.password: str = settings.get("password", "odoo-local-api-key")
        self.port: int = int(settings.get("port", DEFAULT_PORT))
        self.rpc = OdooRpc(self.store, self.faults, self.database, self.login, self.password)

    def seed(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Store this system's rows (others are skipped) as partners; idempotent, keeps pushed values.

        ``source_id`` becomes the partner id, so it must be a positive integer (``ValueError`` names the row).
        """
        mine = [row for row in rows if (row.get("source_system") or self.name) == self.name]
        companies = {(row.get("organization_name") or row.get("full_name") or "").strip(): partner_id_of(row)
                     for row in mine if row.get("record_type") == "organization"}
        partners = []
        for row in mine:
            code = (row.get("country") or "").strip()
            country = self.store.country_id(code, COUNTRY_NAMES.get(code, code)) if code else None
            partners.append(partner_from_flat(row, country, companies))
        self.store.insert_partners(partners)
        return len(partners)

    def app(self) -> FastAPI:
        return build_app(self.rpc)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection: login/password of the API user, ``schema`` = the Odoo database name."""
        return airflow_connection(
            base_url or f"http://127.0.0.1:{self.port}",
            login=self.login,
            password=self.password,
            database=self.database,
        )

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        """The partner as ``read`` returns it (archived ones too), plus ``golden_id``."""
        if not str(source_id).isdigit():
            return None
        rows = self.store.search_read("res.partner", [["id", "=", int(source_id)]], INSPECT_FIELDS,
                                      active_test=False)
        if not rows:
            return None
        return {**rows[0], "golden_id": rows[0]["x_crm_golden_id"] or None}
