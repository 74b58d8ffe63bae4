"""A freshly seeded local SuiteCRM served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from suitecrm_samples import SAMPLE_ROWS

from connectors.credentials import parse_connection
from connectors.sugarcrm import SugarCrmConnector
from schemas import SourceConfig
from sources.serve import RunningServer, serve_in_thread
from sources.suitecrm import SuiteCrmSystem


@dataclass
class Crm:
    system: SuiteCrmSystem
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    def token(self) -> str:
        oauth = self.system.oauth
        response = requests.post(f"{self.url}/Api/access_token", timeout=5, data={
            "grant_type": "password", "client_id": oauth.client_id, "client_secret": oauth.client_secret,
            "username": oauth.username, "password": oauth.password})
        response.raise_for_status()
        return response.json()["access_token"]

    def touch(self, module: str, record_id: str, **attributes: str) -> dict:
        """Edit a record through the API, as a CRM user would (stamps date_modified)."""
        body = {"data": {"type": module, "id": record_id, "attributes": attributes}}
        response = requests.patch(f"{self.url}/Api/V8/module", json=body, timeout=5,
                                  headers={"Authorization": f"Bearer {self.token()}"})
        response.raise_for_status()
        return response.json()

    def connector(self, page_size: int = 100, password: str | None = None, **options) -> SugarCrmConnector:
        """Built the way the hub builds it: Airflow connection JSON -> Credentials -> connector."""
        connection = self.system.connection(self.url)
        connection["password"] = password or connection["password"]
        credentials = parse_connection(json.dumps(connection))
        config = SourceConfig(name="suitecrm", kind="sugarcrm", page_size=page_size, options=options)
        return SugarCrmConnector(config, credentials)


@pytest.fixture
def make_crm(tmp_path) -> Iterator[Callable[..., Crm]]:
    servers: list[RunningServer] = []

    def start(rows: list[dict[str, str]] = SAMPLE_ROWS, **settings) -> Crm:
        system = SuiteCrmSystem(tmp_path / f"suitecrm{len(servers)}", **settings)
        system.seed(rows)
        servers.append(serve_in_thread(system.app()))
        return Crm(system, servers[-1])

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def crm(make_crm) -> Crm:
    return make_crm()

