"""A freshly seeded local SuiteCRM served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
import requests
from loopback import Served, serving
from suitecrm_samples import SAMPLE_ROWS

from sources.suitecrm import SuiteCrmSystem


@dataclass
class Crm(Served):
    system: SuiteCrmSystem
    kind: ClassVar[str] = "sugarcrm"

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


@pytest.fixture
def make_crm(tmp_path) -> Iterator[Callable[..., Crm]]:
    with serving(tmp_path, SuiteCrmSystem, Crm, SAMPLE_ROWS) as start:
        yield start


@pytest.fixture
def crm(make_crm) -> Crm:
    return make_crm()

