"""Workbench sessions end when they should: logout and token rotation make an old session cookie
worthless at once (not after its 8 hours), and a rotated token is refused as a bearer token."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from webapp_support import TOKENS, USERS, bearer

from hub.web_sessions import WebSessions
from webapp import create_app
from webapp.auth import StandaloneAuth

PAGE = {"Accept": "text/html"}


def _login(client: TestClient, user: str, token: str | None = None) -> str:
    client.cookies.clear()
    response = client.post(
        "/login", data={"username": user, "token": token or TOKENS[user]}, follow_redirects=False
    )
    assert response.status_code == 303
    return client.cookies["crmhub_session"]


def _with_cookie(client: TestClient, path: str, cookie: str, **headers: str):
    client.cookies.clear()
    client.cookies.set("crmhub_session", cookie)
    return client.get(path, headers=headers, follow_redirects=False)


def test_a_session_used_after_logout_is_refused(client, hub):
    cookie = _login(client, "ann")
    assert _with_cookie(client, "/api/v1/changes", cookie).status_code == 200
    assert client.post("/logout", follow_redirects=False).status_code == 303

    # A copy of the cookie kept by an attacker (or a browser that ignored the delete) no longer works.
    assert _with_cookie(client, "/api/v1/changes", cookie).status_code == 401
    page = _with_cookie(client, "/steward/", cookie, **PAGE)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert WebSessions(hub.store).live(cookie) is None


def test_the_store_keeps_only_a_hash_of_the_session_id(client, hub):
    cookie = _login(client, "vic")
    with hub.store.engine.connect() as db:
        stored = db.exec_driver_sql("SELECT id_hash, user_name FROM web_sessions").all()
    assert [user for _, user in stored] == ["vic"]
    assert cookie not in {id_hash for id_hash, _ in stored}


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users"
    path.write_text(USERS)
    os.chmod(path, 0o600)
    return path


def test_rotating_a_token_ends_its_sessions_and_refuses_the_old_token(hub, users_file):
    auth = StandaloneAuth.from_env({"CRMHUB_WEB_USERS_FILE": str(users_file)}, secret="s" * 40)
    with TestClient(create_app(lambda: hub.store, hub.config, auth)) as client:
        ann_cookie, vic_cookie = _login(client, "ann"), _login(client, "vic")
        assert client.get("/api/v1/changes", headers=bearer("ann")).status_code == 200

        new_token = "rotated-steward-token-9876543210"
        users_file.write_text(USERS.replace(TOKENS["ann"], new_token))
        stat = users_file.stat()
        os.utime(users_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

        assert client.get("/api/v1/changes", headers=bearer("ann")).status_code == 403
        new = {"Authorization": f"Bearer {new_token}"}
        assert client.get("/api/v1/changes", headers=new).status_code == 200
        assert _with_cookie(client, "/api/v1/changes", ann_cookie).status_code == 401
        assert _with_cookie(client, "/api/v1/changes", vic_cookie).status_code == 200  # others keep theirs
        assert _with_cookie(client, "/api/v1/changes", _login(client, "ann", new_token)).status_code == 200
