"""Who is calling, and may they decide? Principals, the standalone token auth, and CSRF protection.

Every route depends on an *auth dependency* (a callable FastAPI can inject) that returns a
:class:`Principal` or raises 401 (no credential) / 403 (bad credential). Two implementations:
:class:`StandaloneAuth` here (users and tokens from an environment variable or a file, for
``crmhub serve``) and :class:`webapp.airflow_auth.AirflowAuth` (Airflow's auth manager, in the plugin).

CSRF: a bearer token is never sent by a browser on its own, so bearer requests need nothing more.
A request authenticated by a cookie must also carry ``X-CSRF-Token`` = HMAC(secret, user name), which
only a page of this app can know (it is bound to the user, not the cookie, because Airflow refreshes
its cookie), and its ``Origin`` (when sent) must be this host.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.web_sessions import WebSessions
from webapp.context import hub_of

Role = Literal["viewer", "steward", "api"]
ROLES: tuple[Role, ...] = ("viewer", "steward", "api")
CSRF_HEADER = "X-CSRF-Token"
USERS_ENV, USERS_FILE_ENV, SECRET_ENV = "CRMHUB_WEB_USERS", "CRMHUB_WEB_USERS_FILE", "CRMHUB_WEB_SECRET"
MIN_TOKEN_LENGTH = 16

bearer_scheme = HTTPBearer(auto_error=False, description="A CRM Hub token (standalone) or an Airflow JWT")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller and how the credential came (bearer header or browser cookie)."""

    name: str
    role: Role
    via: Literal["bearer", "cookie"]

    @property
    def can_decide(self) -> bool:
        return self.role == "steward"


class Auth(Protocol):
    """What the app needs from an authentication backend."""

    #: Name of the session cookie a browser sends (set by our login page or by Airflow's).
    cookie_name: str
    #: Whether this app serves its own login page (standalone) or relies on the host's (Airflow).
    own_login: bool

    def login_url(self, request: Request) -> str: ...

    def csrf_secret(self) -> bytes: ...

    #: The FastAPI dependency itself (its parameters are the backend's own sub-dependencies).
    def __call__(self, *args: Any, **kwargs: Any) -> Awaitable[Principal]: ...


def csrf_token(secret: bytes, user: str) -> str:
    return hmac.new(secret, f"csrf:{user}".encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, principal: Principal, secret: bytes) -> None:
    """Refuse a cookie-authenticated state change without the page's CSRF token or from another site."""
    if principal.via == "bearer":
        return
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site request refused")
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent, csrf_token(secret, principal.name)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")


@dataclass(frozen=True)
class WebUser:
    name: str
    role: Role
    token: str


def parse_users(text: str) -> list[WebUser]:
    """``name:role:token`` entries separated by commas, or a JSON list of {name, role, token}."""
    text = text.strip()
    if text.startswith("["):
        entries = [(e["name"], e["role"], e["token"]) for e in json.loads(text)]
    else:
        entries = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            pieces = part.split(":", 2)
            if len(pieces) != 3:
                raise ValueError(f"user entry {part.split(':', 1)[0]!r} is not name:role:token")
            entries.append((pieces[0], pieces[1], pieces[2]))
    users = []
    for name, role, token in entries:
        if role not in ROLES:
            raise ValueError(f"user {name!r}: role must be one of {', '.join(ROLES)}, not {role!r}")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"user {name!r}: token shorter than {MIN_TOKEN_LENGTH} characters")
        users.append(WebUser(name, role, token))
    return users


class StandaloneAuth:
    """Users and tokens from ``CRMHUB_WEB_USERS`` or the file named by ``CRMHUB_WEB_USERS_FILE`` (never
    from git). Browsers log in with name + token and get an HttpOnly, SameSite=Strict cookie holding a
    random session id that is checked against the hub store's ``web_sessions`` on every request, so
    logout ends it at once; API clients send ``Authorization: Bearer <token>``.

    Rotation: the users file is re-read when it changes, so a replaced token is refused at once and every
    session opened with the old token ends (each session keeps an HMAC fingerprint of its token)."""

    cookie_name = "crmhub_session"
    own_login = True

    def __init__(
        self,
        users: list[WebUser],
        secret: bytes | None = None,
        session_seconds: int = 8 * 3600,
        users_file: Path | None = None,
    ):
        self._set_users(users)
        self.secret = secret or secrets.token_bytes(32)
        self.session_seconds = session_seconds
        self.users_file = users_file
        self._users_mtime = users_file.stat().st_mtime_ns if users_file else None

    def _set_users(self, users: list[WebUser]) -> None:
        if not users:
            raise ValueError(f"no users configured: set {USERS_ENV} or {USERS_FILE_ENV}")
        self.users = {u.name: u for u in users}

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, secret: str | None = None) -> StandaloneAuth:
        env = os.environ if environ is None else environ
        users_file = Path(path) if (path := env.get(USERS_FILE_ENV)) else None
        text = users_file.read_text(encoding="utf-8") if users_file else env.get(USERS_ENV, "")
        secret = secret or env.get(SECRET_ENV)
        return cls(parse_users(text), secret.encode() if secret else None, users_file=users_file)

    def login_url(self, request: Request) -> str:
        return f"{request.scope.get('root_path', '')}/login"

    def csrf_secret(self) -> bytes:
        return self.secret

    # ---- credentials ---------------------------------------------------------------------------

    def _current_users(self) -> dict[str, WebUser]:
        """The users, re-read from the users file when it changed (a rotated token takes effect at once;
        a file that no longer parses keeps the previous users rather than locking everyone out)."""
        if self.users_file is not None:
            mtime = self.users_file.stat().st_mtime_ns
            if mtime != self._users_mtime:
                self._users_mtime = mtime
                self._set_users(parse_users(self.users_file.read_text(encoding="utf-8")))
        return self.users

    def _by_token(self, token: str) -> WebUser | None:
        found = None
        for user in self._current_users().values():  # compare with every token: no timing hint
            if hmac.compare_digest(user.token.encode(), token.encode()):
                found = user
        return found

    def _fingerprint(self, user: WebUser) -> str:
        return hmac.new(self.secret, f"token:{user.name}:{user.token}".encode(), hashlib.sha256).hexdigest()

    def login(self, sessions: WebSessions, name: str, token: str) -> str | None:
        """A new session id (the cookie value) for a correct name + token, else ``None``."""
        user = self._by_token(token)
        if user is None or not hmac.compare_digest(user.name.encode(), name.encode()):
            return None
        return sessions.open(user.name, self._fingerprint(user), self.session_seconds)

    def _session_user(self, sessions: WebSessions, session_id: str) -> WebUser | None:
        live = sessions.live(session_id)
        if live is None:
            return None
        user = self._current_users().get(live.user_name)
        if user is None or not hmac.compare_digest(live.token_fingerprint, self._fingerprint(user)):
            sessions.close(session_id)  # the user was removed or their token rotated
            return None
        return user

    async def __call__(
        self, request: Request, bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
    ) -> Principal:
        if bearer is not None:
            user = self._by_token(bearer.credentials)
            if user is None:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid token")
            return Principal(user.name, user.role, "bearer")
        cookie = request.cookies.get(self.cookie_name)
        if not cookie:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not authenticated")
        user = await run_in_threadpool(self._session_user, web_sessions_of(request), cookie)
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "session expired or invalid")
        return Principal(user.name, user.role, "cookie")


def web_sessions_of(request: Request) -> WebSessions:
    return WebSessions(hub_of(request).store)
