"""The workbench and API after a real sync with hostile names: HTML/JS in a name is escaped on the
steward page, and calls without a credential, with a wrong one, or with too little privilege are refused."""

from __future__ import annotations

import secrets

import pytest
import requests

from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import RecordKey
from sources.serve import serve_in_thread
from webapp.auth import StandaloneAuth, WebUser
from webapp.standalone import standalone_app

SCRIPT = '<script>alert("xss")</script>'
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def served(hub_config, small_sources):
    small_sources.systems["legacy_db"].seed([{
        "source_system": "legacy_db", "source_id": "XSS-1", "record_type": "person", "given_name": SCRIPT,
        "family_name": IMG, "email": "xss@example.com", "country": "DE", "updated_at": "2026-01-02T03:04:05Z",
    }])
    store = HubStore(hub_config.database_url, upgrade=True)
    assert SyncPipeline(hub_config, store).run(run_id="xss").failed == {}
    tokens = {role: secrets.token_urlsafe(24) for role in ("viewer", "steward", "api")}
    auth = StandaloneAuth([WebUser(f"{role}-user", role, token) for role, token in tokens.items()])
    server = serve_in_thread(standalone_app(hub_config, auth), port=0)
    yield server.url, tokens, store.golden.golden_id_of(RecordKey("legacy_db", "XSS-1"))
    server.stop()


def test_html_in_names_is_escaped_on_the_steward_page(served):
    base, tokens, golden_id = served
    page = requests.get(f"{base}/steward/golden/{golden_id}", headers=_bearer(tokens["steward"]), timeout=30)
    assert page.status_code == 200
    assert SCRIPT not in page.text and IMG not in page.text
    assert "&lt;script&gt;" in page.text
    api = requests.get(f"{base}/api/v1/golden/{golden_id}", headers=_bearer(tokens["api"]), timeout=30)
    assert api.status_code == 200 and api.json()["given_name"] == SCRIPT  # JSON carries it as data


def test_unauthenticated_and_under_privileged_calls_are_refused(served):
    base, tokens, golden_id = served
    decision = {"kind": "unmerge", "left": {"source_system": "legacy_db", "source_id": "XSS-1"}}
    assert requests.get(f"{base}/api/v1/golden/{golden_id}", timeout=30).status_code == 401
    assert requests.get(f"{base}/api/v1/changes?since=0", timeout=30).status_code == 401
    wrong = _bearer("not-a-token-" + "x" * 20)
    assert requests.get(f"{base}/api/v1/golden/{golden_id}", headers=wrong, timeout=30).status_code == 403
    assert requests.post(f"{base}/steward/decisions", json=decision, timeout=30).status_code == 401
    decide, undo = f"{base}/steward/decisions", f"{base}/steward/undo"
    for role in ("viewer", "api"):
        refused = requests.post(decide, json=decision, headers=_bearer(tokens[role]), timeout=30)
        assert refused.status_code == 403, role
        assert requests.post(undo, headers=_bearer(tokens[role]), timeout=30).status_code == 403
    done = requests.post(decide, json=decision, headers=_bearer(tokens["steward"]), timeout=30)
    assert done.status_code == 200, done.text


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
