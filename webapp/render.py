"""Server-side rendering: Jinja2 with autoescaping on, so names like ``<script>`` show as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from schemas.field_labels import field_label
from webapp.auth import Principal, csrf_token
from webapp.deps import auth_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.autoescape = True  # every template, whatever its file name
templates.env.filters["label"] = field_label  # schema field names in a steward's words


def actor_label(actor: str) -> str:
    """Who did it, as the history shows it: a person's user name, or "sync" for a sync run (the
    audit log's ``run:<run id>``; the page keeps the run id in a tooltip)."""
    return "sync" if actor.startswith("run:") else actor


templates.env.filters["actor"] = actor_label  # "run:…" audit actors as "sync"


def render(
    request: Request, name: str, user: Principal | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with what every page needs: the mount prefix, the user and their CSRF token."""
    auth = auth_of(request)
    base = request.scope.get("root_path", "").rstrip("/")
    csrf = csrf_token(auth.csrf_secret(), user.name) if user else ""
    return templates.TemplateResponse(
        request,
        name,
        {"base": base, "user": user, "csrf": csrf, "own_login": auth.own_login, **context},
        status_code=status_code,
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "SAMEORIGIN",
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
        },
    )
