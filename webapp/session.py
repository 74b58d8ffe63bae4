"""Log in and out (standalone only: inside Airflow, Airflow's own login sets the session cookie),
and the workbench's two static files (public on purpose: script and style, no data; the login page
needs the style before anyone is logged in)."""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import FileResponse, RedirectResponse, Response

from webapp.auth import StandaloneAuth, web_sessions_of
from webapp.deps import auth_of
from webapp.render import HERE, render

STATIC_FILES = {"workbench.js": "text/javascript", "workbench.css": "text/css"}


def _safe_next(base: str, target: str | None) -> str:
    """Only redirect within this app after login (no open redirect to another site)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return f"{base}/steward/"


def _own_login(request: Request) -> StandaloneAuth:
    """The app's own login backend; inside Airflow (Airflow's login page) these routes do not exist."""
    auth = auth_of(request)
    if not isinstance(auth, StandaloneAuth):
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return auth


router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/steward/", status_code=303)


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return FileResponse(HERE / "static" / name, media_type=STATIC_FILES[name])


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    _own_login(request)
    return render(request, "login.html", None, next=next or "", error=None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=128)],
    token: Annotated[str, Form(max_length=512)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    auth = _own_login(request)
    session = auth.login(web_sessions_of(request), username, token)
    if session is None:
        return render(request, "login.html", None, 401, next=next, error="Wrong user name or token.")
    base = request.scope.get("root_path", "").rstrip("/")
    response = RedirectResponse(_safe_next(base, next), status_code=303)
    response.set_cookie(
        auth.cookie_name,
        session,
        max_age=auth.session_seconds,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=base or "/",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    auth = _own_login(request)
    if cookie := request.cookies.get(auth.cookie_name):
        web_sessions_of(request).close(cookie)  # ends the session server-side, not just the cookie
    base = request.scope.get("root_path", "").rstrip("/")
    response = RedirectResponse(f"{base}/login", status_code=303)
    response.delete_cookie(auth.cookie_name, path=base or "/")
    return response
