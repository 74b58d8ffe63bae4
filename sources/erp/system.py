"""The local SAP-style ERP as one object the source runner can seed, serve and inspect."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.erp.app import SERVICE_PATH, create_app
from sources.erp.faults import FaultPlan
from sources.erp.fields import customer_number, from_flat
from sources.erp.service import CustomerService, ServiceDescription
from sources.erp.store import CustomerStore

DEFAULT_URL = "http://127.0.0.1:8081"


class ErpSystem:
    """Customer master in ``<data_dir>/erp.sqlite3`` behind a WS-Security-protected SOAP service.

    Settings: ``username``/``password`` (the one technical user), ``require_auth`` (default True),
    ``fault_injection`` (default True: ``/admin/faults`` and :attr:`faults` are live).
    """

    name = "erp"

    def __init__(self, data_dir: Path, *, username: str = "crmhub", password: str = "erp-local-secret",
                 require_auth: bool = True, fault_injection: bool = True):
        self.data_dir = Path(data_dir)
        self.store = CustomerStore(self.data_dir / "erp.sqlite3")
        self.username, self.password, self.require_auth = username, password, require_auth
        self.faults = FaultPlan() if fault_injection else None
        self.description = ServiceDescription()
        self.calls: Counter[str] = Counter()

    def seed(self, rows: list[dict[str, str]]) -> int:
        """Store flat rows of source system ``erp`` as customers; re-seeding the same rows changes nothing.

        Source ids must be customer numbers (1-10 digits). A row's ``updated_at`` becomes the customer's
        AEDAT/AEZET when the row creates or changes a customer. All rows are checked first and written
        in one transaction: a refused row stores none of them.
        """
        for index, row in enumerate(rows):
            if row.get("source_system") not in (None, "", self.name):
                raise ValueError(f"row {index} belongs to {row['source_system']!r}, not {self.name!r}")
        customers = []
        for index, row in enumerate(rows):
            try:
                customers.append(from_flat(row))
            except ValueError as exc:
                raise ValueError(f"row {index} (source_id {row.get('source_id')!r}): {exc}") from None
        with self.store.bulk() as batch:  # one commit, not one per customer (a disk flush each)
            for native, updated in customers:
                batch.upsert(native.pop("KUNNR"), native, changed_at=updated)
        return len(customers)

    def app(self) -> FastAPI:
        users = {self.username: self.password} if self.require_auth else None
        corrupt = (lambda: self.faults.take("malformed")) if self.faults else (lambda: False)
        service = CustomerService(self.store, self.description, corrupt_next_page=corrupt)
        self.calls = service.calls  # requests by operation, of the app served last
        return create_app(service, self.description, users, self.faults)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection for :class:`connectors.soap_erp.ErpSoapConnector`; the endpoint is
        ``http://host:port/<schema>`` and its WSDL ``<endpoint>?wsdl``."""
        return airflow_connection(
            base_url or DEFAULT_URL,
            login=self.username,
            password=self.password,
            schema=SERVICE_PATH.strip("/"),
        )

    def inspect(self, source_id: str) -> dict | None:
        try:
            return self.store.get(customer_number(source_id))
        except ValueError:
            return None
