"""The local Salesforce org as one object the runner can seed, serve and inspect (``sources/run.py``),
with the connected app an integration authenticates through (consumer key and secret, and a
certificate for the JWT bearer flow whose private key is written next to the data for the connector)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.erp.faults import FaultPlan
from sources.salesforce.app import LOGIN_PATH, create_app
from sources.salesforce.keys import signing_key_pair
from sources.salesforce.oauth import ConnectedApp
from sources.salesforce.objects import from_flat, normalise_id
from sources.salesforce.service import Org
from sources.salesforce.store import OrgStore

DEFAULT_URL = "http://127.0.0.1:8703"
Auth = Literal["client_credentials", "jwt_bearer", "soap_login"]


class SalesforceSystem:
    """Accounts and Contacts in ``<data_dir>/salesforce.sqlite3`` behind a Partner-API-like SOAP service.

    Settings: ``username``, ``password``, ``security_token`` (login takes password + token),
    ``min_batch_size`` (Salesforce: 200; lower it to page small data), ``api_request_limit``
    (None = unlimited), ``session_hours``, ``fault_injection`` (default True), ``client_id`` and
    ``client_secret`` of the connected app; its certificate is generated in ``data_dir``.
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
        client_id: str = "3MVG9LocalCrmHubConnectedApp",
        client_secret: str = "sf-local-consumer-secret",
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
        self.private_key_file, certificate = signing_key_pair(self.data_dir)
        self.connected_app = ConnectedApp(client_id, client_secret, certificate)

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
        return create_app(self.org, self.store, self.faults, self.connected_app)

    def connection(self, base_url: str | None = None, auth: Auth = "client_credentials") -> dict[str, Any]:
        """Airflow connection for :class:`connectors.salesforce.SalesforceConnector`. host/port give the
        login (token) URL; ``extra`` holds the connected app as Airflow's Salesforce provider names it
        (``consumer_key``, ``consumer_secret`` or ``private_key_file_path``). ``soap_login``: the
        retired username-password SOAP login, password and ``security_token`` (the fallback)."""
        extra: dict[str, Any] = {"auth": auth}
        login = password = schema = None
        if auth == "client_credentials":
            app = self.connected_app
            extra |= {"consumer_key": app.client_id, "consumer_secret": app.client_secret}
        elif auth == "jwt_bearer":
            login = self.org.username
            key_file = str(self.private_key_file)
            extra |= {"consumer_key": self.connected_app.client_id, "private_key_file_path": key_file}
        else:
            login, password, schema = self.org.username, self.org.password, LOGIN_PATH.strip("/")
            extra["security_token"] = self.org.security_token
        return airflow_connection(
            base_url or DEFAULT_URL,
            conn_type="salesforce",
            login=login,
            password=password,
            schema=schema,
            **extra,
        )

    def inspect(self, source_id: str) -> dict | None:
        id_ = normalise_id(source_id)
        return self.store.get(id_) if id_ else None
