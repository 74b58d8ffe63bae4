"""A freshly seeded local vTiger served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
from vtiger_samples import SAMPLE_ROWS

from connectors.credentials import parse_connection
from connectors.vtiger import VtigerConnector
from schemas import SourceConfig
from sources.serve import RunningServer, serve_in_thread
from sources.vtiger import VtigerSystem


@dataclass
class Crm:
    system: VtigerSystem
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    def session(self) -> str:
        endpoint = f"{self.url}/webservice.php"
        ws = self.system.ws
        token = requests.get(endpoint, params={"operation": "getchallenge", "username": ws.username},
                             timeout=5).json()["result"]["token"]
        key = hashlib.md5((token + ws.access_key).encode()).hexdigest()
        form = {"operation": "login", "username": ws.username, "accessKey": key}
        login = requests.post(endpoint, data=form, timeout=5).json()
        return login["result"]["sessionName"]

    def touch(self, ws_id: str, **fields: str) -> dict:
        """Edit a record through the webservice, as an integration would (retrieve, then update)."""
        endpoint, session = f"{self.url}/webservice.php", self.session()
        record = requests.get(endpoint, params={"operation": "retrieve", "sessionName": session, "id": ws_id},
                              timeout=5).json()["result"]
        answer = requests.post(endpoint, timeout=5, data={"operation": "update", "sessionName": session,
                                                          "element": json.dumps({**record, **fields})}).json()
        assert answer["success"], answer
        return answer["result"]

    def connector(self, page_size: int = 100, password: str | None = None, **options) -> VtigerConnector:
        """Built the way the hub builds it: Airflow connection JSON -> Credentials -> connector."""
        connection = self.system.connection(self.url)
        connection["password"] = password or connection["password"]
        credentials = parse_connection(json.dumps(connection))
        config = SourceConfig(name="vtiger", kind="vtiger", page_size=page_size, options=options)
        return VtigerConnector(config, credentials)


@pytest.fixture
def make_crm(tmp_path) -> Iterator[Callable[..., Crm]]:
    servers: list[RunningServer] = []

    def start(rows: list[dict[str, str]] = SAMPLE_ROWS, **settings) -> Crm:
        system = VtigerSystem(tmp_path / f"vtiger{len(servers)}", **settings)
        system.seed(rows)
        servers.append(serve_in_thread(system.app()))
        return Crm(system, servers[-1])

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def crm(make_crm) -> Crm:
    return make_crm()
