"""A freshly seeded local vTiger served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import requests
from loopback import Served, serving
from vtiger_samples import SAMPLE_ROWS

from sources.vtiger import VtigerSystem


@dataclass
class Crm(Served):
    system: VtigerSystem
    kind: ClassVar[str] = "vtiger"

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


@pytest.fixture
def make_crm(tmp_path) -> Iterator[Callable[..., Crm]]:
    with serving(tmp_path, VtigerSystem, Crm, SAMPLE_ROWS) as start:
        yield start


@pytest.fixture
def crm(make_crm) -> Crm:
    return make_crm()
