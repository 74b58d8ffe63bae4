"""The real Airflow plugin: ``airflow api-server`` on a loopback port mounts the app at /crmhub; every
route needs an Airflow JWT (401 without, 403 with a bad one); a viewer may read but not decide, an
admin (steward role) may decide; the workbench is linked in Airflow's navigation; an admin token
forged with the secret the demo once published is refused (the JWT secret now comes from
scripts/airflow-env.sh, generated per install)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests

from crmhub.loopback import free_port
from hub.queries import HubQueries

pytestmark = pytest.mark.airflow
REPO = Path(__file__).resolve().parents[2]
#: The JWT secret scripts/airflow-env.sh used to hard-code: public, so anyone could sign an admin token.
OLD_DEMO_SECRET = "crmhub-local-demo-secret-change-me-in-production-0123456789abcdef"


def _demo_jwt_secret(secrets_file: Path) -> str:
    """The JWT secret ``scripts/airflow-env.sh`` gives the demo's Airflow (generated on first start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CRMHUB"))}
    out = subprocess.run(
        ["bash", "-ec", 'source scripts/airflow-env.sh && echo "$AIRFLOW__API_AUTH__JWT_SECRET"'],
        cwd=REPO,
        env={**env, "CRMHUB_SECRETS_FILE": str(secrets_file)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip()


@pytest.fixture
def airflow_server(tmp_path, hub):
    port = free_port()
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
        "AIRFLOW__API_AUTH__JWT_SECRET": _demo_jwt_secret(tmp_path / "secrets.env"),
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
        yield url, env["AIRFLOW__API_AUTH__JWT_SECRET"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _token(url: str, user: str, password: str) -> dict[str, str]:
    response = requests.post(f"{url}/auth/token", json={"username": user, "password": password}, timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _resigned(headers: dict[str, str], secret: str) -> dict[str, str]:
    """The same claims as a real token, signed with ``secret``: what a forger would send."""
    token = headers["Authorization"].removeprefix("Bearer ")
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm=header["alg"], headers=extra)}


def test_plugin_serves_the_workbench_and_api_behind_airflow_auth(airflow_server, hub):
    url, jwt_secret = airflow_server
    golden_id = next(iter(hub.store.golden.membership().values()))
    for path in ("/crmhub/steward/", f"/crmhub/api/v1/golden/{golden_id}", "/crmhub/api/v1/changes"):
        assert requests.get(url + path, timeout=10).status_code == 401, path
        junk = {"Authorization": "Bearer junk"}
        assert requests.get(url + path, headers=junk, timeout=10).status_code == 403, path

    viewer, admin = _token(url, "viewer", "viewer-pw"), _token(url, "admin", "admin-pw")
    # An admin token signed with the secret the demo once published is refused everywhere; the same
    # claims signed with this install's generated secret pass (so the forgery itself is well made).
    forged, genuine = _resigned(admin, OLD_DEMO_SECRET), _resigned(admin, jwt_secret)
    for path in ("/api/v2/dags", f"/crmhub/api/v1/golden/{golden_id}"):
        assert requests.get(url + path, headers=forged, timeout=10).status_code in (401, 403), path
        assert requests.get(url + path, headers=genuine, timeout=10).status_code == 200, path
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
    [decision] = hub.store.decisions.active_decisions()
    assert decision.user == "admin" and decision.kind == "not_same"

    plugins = requests.get(f"{url}/api/v2/plugins", headers=admin, timeout=10).json()["plugins"]
    crmhub = next(p for p in plugins if p["name"] == "crmhub")
    assert crmhub["external_views"][0]["href"] == "crmhub/steward/"
    assert crmhub["fastapi_apps"][0]["url_prefix"] == "/crmhub"
