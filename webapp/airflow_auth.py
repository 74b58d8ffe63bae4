"""Authentication through Airflow's auth manager, for the app mounted as an Airflow plugin.

Airflow does not protect plugin routes by itself, so every route depends on this class, which asks
Airflow's ``get_user`` (the ``GetUserDep`` dependency: bearer JWT first, else the UI's ``_token``
cookie): no credential -> 401, bad credential -> 403.

Role mapping (documented in docs/steward.md): users whose Airflow role is in ``CRMHUB_STEWARD_ROLES``
(default ``admin,op``) or whose name is in ``CRMHUB_STEWARD_USERS`` may decide; any other user with a
role (viewer, user, ...) may look; a user without any role is refused (403).
Only import this module inside Airflow: it imports Airflow.
"""

from __future__ import annotations

import os

from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import HTTPException, Request, status

from webapp.auth import SECRET_ENV, Principal, Role

STEWARD_ROLES_ENV, STEWARD_USERS_ENV = "CRMHUB_STEWARD_ROLES", "CRMHUB_STEWARD_USERS"


def _names(value: str) -> set[str]:
    return {v.strip().lower() for v in value.split(",") if v.strip()}


def airflow_roles(user: object) -> set[str]:
    """Role names of an Airflow user: SimpleAuthManager has ``role``, FAB users have ``roles``."""
    roles = {str(getattr(user, "role", None) or "").lower()}
    roles |= {str(getattr(r, "name", r)).lower() for r in (getattr(user, "roles", None) or [])}
    return roles - {"", "none"}


class AirflowAuth:
    cookie_name = COOKIE_NAME_JWT_TOKEN
    own_login = False

    def __init__(self, steward_roles: set[str] | None = None, steward_users: set[str] | None = None):
        self.steward_roles = (
            steward_roles
            if steward_roles is not None
            else _names(os.environ.get(STEWARD_ROLES_ENV, "admin,op"))
        )
        self.steward_users = (
            steward_users if steward_users is not None else _names(os.environ.get(STEWARD_USERS_ENV, ""))
        )

    def role_of(self, name: str, roles: set[str]) -> Role | None:
        if name.lower() in self.steward_users or roles & self.steward_roles:
            return "steward"
        return "viewer" if roles else None

    def login_url(self, request: Request) -> str:
        from airflow.api_fastapi.app import get_auth_manager

        return get_auth_manager().get_url_login()

    def csrf_secret(self) -> bytes:
        """The same secret in every api-server worker: ours if set, else Airflow's JWT secret."""
        if secret := os.environ.get(SECRET_ENV):
            return secret.encode()
        from airflow.configuration import conf

        return ("crmhub-csrf:" + conf.get("api_auth", "jwt_secret", fallback="")).encode()

    async def __call__(self, request: Request, user: GetUserDep) -> Principal:
        name = user.get_name()
        role = self.role_of(name, airflow_roles(user))
        if role is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"Airflow user {name!r} has no role")
        bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
        return Principal(name, role, "bearer" if bearer else "cookie")
