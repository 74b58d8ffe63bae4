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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
            entries.append(tuple(pieces))
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
    from git). Browsers log in with name + token and get a signed, HttpOnly, SameSite=Strict cookie;
    API clients send ``Authorization: Bearer <token>``."""

    cookie_name = "crmhub_session"
    own_login = True

    def __init__(self, users: list[WebUser], secret: bytes | None = None, session_seconds: int = 8 * 3600):
        if not users:
            raise ValueError(f"no users configured: set {USERS_ENV} or {USERS_FILE_ENV}")
        self.users = {u.name: u for u in users}
        self.secret = secret or secrets.token_bytes(32)
        self.session_seconds = session_seconds

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> StandaloneAuth:
        env = os.environ if environ is None else environ
        if path := env.get(USERS_FILE_ENV):
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = env.get(USERS_ENV, "")
        secret = env.get(SECRET_ENV)
        return cls(parse_users(text), secret.encode() if secret else None)

    def login_url(self, request: Request) -> str:
        return f"{request.scope.get('root_path', '')}/login"

    def csrf_secret(self) -> bytes:
        return self.secret

    # ---- credentials ---------------------------------------------------------------------------

    def _by_token(self, token: str) -> WebUser | None:
        found = None
        for user in self.users.values():  # compare with every token: no timing hint of which matched
            if hmac.compare_digest(user.token.encode(), token.encode()):
                found = user
        return found

    def login(self, name: str, token: str) -> str | None:
        """A session cookie value for a correct name + token, else ``None``."""
        user = self._by_token(token)
        if user is None or not hmac.compare_digest(user.name.encode(), name.encode()):
            return None
        expires = int(time.time()) + self.session_seconds
        payload = f"{user.name}|{expires}"
        return f"{payload}|{self._sign(payload)}"

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()

    def _session_user(self, value: str) -> WebUser | None:
        payload, _, signature = value.rpartition("|")
        name, _, expires = payload.partition("|")
        if not hmac.compare_digest(signature, self._sign(payload)) or not expires.isdigit():
            return None
        if int(expires) < time.time():
            return None
        return self.users.get(name)

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
        user = self._session_user(cookie)
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "session expired or invalid")
        return Principal(user.name, user.role, "cookie")
