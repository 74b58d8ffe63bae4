"""The real Airflow plugin: ``airflow api-server`` on a loopback port mounts the app at /crmhub; every
route needs an Airflow JWT (401 without, 403 with a bad one); a viewer may read but not decide, an
admin (steward role) may decide; the workbench is linked in Airflow's navigation."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hub.queries import HubQueries

pytestmark = pytest.mark.airflow
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def airflow_server(tmp_path, hub):
    port = _free_port()
    home = tmp_path / "airflow"
    home.mkdir()
    (home / "passwords.json").write_text(json.dumps({"admin": "admin-pw", "viewer": "viewer-pw"}))
    config = tmp_path / "crmhub.yaml"
    config.write_text(json.dumps(hub.config.model_dump(mode="json")))  # JSON is YAML
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__API_AUTH__JWT_SECRET": "crmhub-test-" + "x" * 64,
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "CRMHUB_CONFIG": str(config),
    }
    env.pop("CRMHUB_DATABASE_URL", None)
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=120)
    log = (tmp_path / "api-server.log").open("wb")
    server = subprocess.Popen(
        [airflow, "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1", "--apps", "core"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None:
                raise AssertionError((tmp_path / "api-server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _token(url: str, user: str, password: str) -> dict[str, str]:
    response = requests.post(f"{url}/auth/token", json={"username": user, "password": password}, timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_plugin_serves_the_workbench_and_api_behind_airflow_auth(airflow_server, hub):
    url = airflow_server
    golden_id = next(iter(hub.store.membership().values()))
    for path in ("/crmhub/steward/", f"/crmhub/api/v1/golden/{golden_id}", "/crmhub/api/v1/changes"):
        assert requests.get(url + path, timeout=10).status_code == 401, path
        junk = {"Authorization": "Bearer junk"}
        assert requests.get(url + path, headers=junk, timeout=10).status_code == 403, path

    viewer, admin = _token(url, "viewer", "viewer-pw"), _token(url, "admin", "admin-pw")
    record = requests.get(f"{url}/crmhub/api/v1/golden/{golden_id}", headers=viewer, timeout=10)
    assert record.status_code == 200 and record.json()["golden_id"] == golden_id
    page = requests.get(f"{url}/crmhub/steward/", headers=viewer, timeout=10)
    assert page.status_code == 200 and 'data-can-decide="no"' in page.text
    assert 'href="/crmhub/steward/conflicts"' in page.text  # links carry the mount prefix

    item = HubQueries(hub.store).review_queue().items[0]
    body = {"kind": "not_same", "left": item.left._asdict(), "right": item.right._asdict()}
    refused = requests.post(f"{url}/crmhub/steward/decisions", json=body, headers=viewer, timeout=10)
    assert refused.status_code == 403
    decided = requests.post(f"{url}/crmhub/steward/decisions", json=body, headers=admin, timeout=30)
    assert decided.status_code == 200, decided.text
    [decision] = hub.store.active_decisions()
    assert decision.user == "admin" and decision.kind == "not_same"

    plugins = requests.get(f"{url}/api/v2/plugins", headers=admin, timeout=10).json()["plugins"]
    crmhub = next(p for p in plugins if p["name"] == "crmhub")
    assert crmhub["external_views"][0]["href"] == "crmhub/steward/"
    assert crmhub["fastapi_apps"][0]["url_prefix"] == "/crmhub"
