"""The dependencies every route names: who is calling (:data:`User`) and may they decide (:data:`Steward`).

Routers are module-level, as in FastAPI's own templates. The auth backend differs per app (tokens for
``crmhub serve``, Airflow's auth manager inside the plugin, each with its own sub-dependencies), so
routes depend on the placeholder :func:`current_user` and :func:`webapp.app.create_app` binds it to
the app's backend through ``app.dependency_overrides`` — FastAPI's way to swap a dependency. The
placeholder declares the bearer scheme, so the OpenAPI document shows how API clients authenticate.
"""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
import hmac
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials

from webapp.auth import Auth, Principal, bearer_scheme, check_csrf, csrf_token


async def current_user(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """Replaced by the app's auth backend; reached only by an app not built with ``create_app``."""
    raise HTTPException(
        status.HTTP_500_INTERNAL_SERVER_ERROR, "no auth backend: build the app with create_app"
    )


def auth_of(request: Request) -> Auth:
    return cast(Auth, request.app.state.auth)


def may_decide(user: Principal) -> None:
    """Deciding needs the steward role; viewers and API clients may only look."""
    if not user.can_decide:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{user.name} may look but not decide")


User = Annotated[Principal, Depends(current_user)]


def require_steward(request: Request, user: User) -> Principal:
    """A state change: the steward role, and for a cookie-authenticated request the CSRF header."""
    may_decide(user)
    check_csrf(request, user, auth_of(request).csrf_secret())
    return user


Steward = Annotated[Principal, Depends(require_steward)]


def check_form_steward(request: Request, user: Principal, token: str) -> None:
    """As :func:`require_steward` for a plain HTML form, whose CSRF token travels as a form field."""
    may_decide(user)
    expected = csrf_token(auth_of(request).csrf_secret(), user.name)
    if user.via != "bearer" and not hmac.compare_digest(token, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
