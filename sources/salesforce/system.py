"""The local Salesforce org as one object the runner can seed, serve and inspect (``sources/run.py``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.erp.faults import FaultPlan
from sources.salesforce.app import LOGIN_PATH, create_app
from sources.salesforce.objects import from_flat, normalise_id
from sources.salesforce.service import Org
from sources.salesforce.store import OrgStore

DEFAULT_URL = "http://127.0.0.1:8703"


class SalesforceSystem:
    """Accounts and Contacts in ``<data_dir>/salesforce.sqlite3`` behind a Partner-API-like SOAP service.

    Settings: ``username``, ``password``, ``security_token`` (login takes password + token),
    ``min_batch_size`` (Salesforce: 200; lower it to page small data), ``api_request_limit``
    (None = unlimited), ``session_hours``, ``fault_injection`` (default True).
    """

    name = "salesforce"

    def __init__(
        self,
        data_dir: Path,
        *,
        username: str = "integration@crmhub.example",
        password: str = "sf-local-secret",
        security_token: str = "LocalToken0042",
        min_batch_size: int = 200,
        api_request_limit: int | None = None,
        session_hours: float = 2,
        fault_injection: bool = True,
    ):
        self.data_dir = Path(data_dir)
        self.store = OrgStore(self.data_dir / "salesforce.sqlite3")
        self.org = Org(
            username,
            password,
            security_token,
            min_batch_size=min_batch_size,
            session_lifetime=timedelta(hours=session_hours),
            api_request_limit=api_request_limit,
        )
        self.faults = FaultPlan() if fault_injection else None

    def seed(self, rows: list[dict[str, str]]) -> int:
        """Store flat rows of ``salesforce`` as Contacts (persons) and Accounts (organizations).

        ``source_id`` is a Salesforce id or a number (see :func:`objects.seed_id`); a valid ``updated_at``
        becomes SystemModstamp. Re-seeding unchanged rows changes nothing, pushed golden ids stay.
        """
        for index, row in enumerate(rows):
            if row.get("source_system") not in (None, "", self.name):
                raise ValueError(f"row {index} belongs to {row['source_system']!r}, not {self.name!r}")
        parsed = []
        for index, row in enumerate(rows):
            try:
                parsed.append(from_flat(row))
            except ValueError as exc:
                raise ValueError(f"row {index} (source_id {row.get('source_id')!r}): {exc}") from None
        for sobject, id_, fields, updated in parsed:
            self.store.save(sobject, id_, fields, modstamp=updated, keep_if_unchanged=True)
        return len(parsed)

    def app(self) -> FastAPI:
        return create_app(self.org, self.store, self.faults)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection for :class:`connectors.salesforce.SalesforceConnector`: host/port/schema
        give the login URL, the security token sits in ``extra`` (as Airflow's Salesforce provider)."""
        return airflow_connection(
            base_url or DEFAULT_URL,
            conn_type="salesforce",
            login=self.org.username,
            password=self.org.password,
            schema=LOGIN_PATH.strip("/"),
            security_token=self.org.security_token,
        )

    def inspect(self, source_id: str) -> dict | None:
        id_ = normalise_id(source_id)
        return self.store.get(id_) if id_ else None
