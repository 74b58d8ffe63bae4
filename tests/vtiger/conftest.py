"""A freshly seeded local vTiger served over real HTTP on loopback, and connectors pointed at it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests

from connectors.credentials import parse_connection
from connectors.vtiger import VtigerConnector
from schemas import SourceConfig
from sources.serve import RunningServer, serve_in_thread
from sources.vtiger import VtigerSystem


def flat(crmid: int, updated_at: str, **values: str) -> dict[str, str]:
    return {"source_system": "vtiger", "source_id": str(crmid), "record_type": "person",
            "updated_at": updated_at, **values}


#: Hand-made flat rows: several scripts, two organizations, one malformed e-mail (crmid 9).
SAMPLE_ROWS = [
    flat(1, "2024-01-01T10:00:00Z", given_name="Иван", family_name="Петров", email="ivan.petrov@example.bg",
         phone="088 123 4567", street="ул. Витоша 12", postal_code="1000", city="София", country="BG",
         date_of_birth="1980-05-17"),
    flat(2, "2024-01-01T10:00:01Z", given_name="สมชาย", family_name="ใจดี", email="somchai@example.co.th",
         phone="081 234 5678", city="กรุงเทพมหานคร", country="TH"),
    flat(3, "2024-01-01T10:00:02Z", given_name="志明", family_name="陳", email="chen.zm@example.com.tw",
         phone="0912 345 678", city="台北市", country="TW"),
    flat(4, "2024-01-01T10:00:03Z", given_name="Văn An", family_name="Nguyễn", email="an.nguyen@example.vn",
         phone="091 234 56 78", city="Hà Nội", country="VN"),
    flat(5, "2024-01-01T10:00:04+02:00", given_name="Jürgen", family_name="Müller",
         email="J.Mueller@Example.de;juergen@work.example.de", phone="030 1234567;0171 1234567",
         street="Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
    flat(6, "2024-01-01T10:00:05Z", record_type="organization", organization_name="Müller Bau GmbH",
         email="info@muellerbau.example.de", phone="030 7654321", country="DE", tax_id="DE123456789"),
    flat(7, "2024-01-01T10:00:06Z", record_type="organization", organization_name="台積電股份有限公司",
         email="contact@tsmc.example.com.tw", city="新竹市", country="TW"),
    flat(8, "2024-01-01T10:00:07Z", given_name="محمد", family_name="رضایی", email="m.rezaei@example.ir",
         country="IR"),
    flat(9, "2024-01-01T10:00:08Z", given_name="Broken", family_name="Mail", email="broken@@example",
         country="GB"),
    flat(10, "2024-01-01T10:00:09Z", given_name="Olivia", family_name="Brown", email="olivia@example.co.uk",
         country="GB"),
]
ACCOUNT_IDS = ["11x6", "11x7"]
CONTACT_IDS = ["12x5", "12x1", "12x2", "12x3", "12x4", "12x8", "12x10"]  # modified order (5 is 08:00:04 UTC)
VALID_IDS = {*ACCOUNT_IDS, *CONTACT_IDS}


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
