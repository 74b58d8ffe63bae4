"""The one FastAPI app behind both the Airflow plugin and ``crmhub serve``: workbench pages + REST API.

The hub store is opened lazily on the first request, so that importing the Airflow plugin never
touches the database (the api-server imports plugins before anyone asks for a page).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response

from connectors.credentials import CredentialsProvider, credentials_from_env
from hub.store import HubStore
from schemas import HubConfig
from webapp import api, docs, pages, quarantine, review, session, unmerge, webhooks
from webapp.auth import Auth
from webapp.context import HubContext
from webapp.deps import current_user


def create_app(
    store_factory: Callable[[], HubStore],
    config: HubConfig | Callable[[], HubConfig],
    auth: Auth,
    credentials: CredentialsProvider = credentials_from_env,
) -> FastAPI:
    """Build the app. ``auth`` is an auth dependency (:class:`webapp.auth.StandaloneAuth` or
    :class:`webapp.airflow_auth.AirflowAuth`); every route depends on it through
    :func:`webapp.deps.current_user`, which this app binds to it. ``credentials`` reads the sources'
    connections (Airflow's own inside Airflow)."""
    app = FastAPI(
        title="CRM Hub",
        docs_url=None,  # served from the package by webapp.docs, not from a CDN
        redoc_url=None,
        version="1",
        summary="Data steward workbench and golden-record API",
        description=(
            "Golden-record API for back-office systems (read-only, bearer token) and the data steward "
            "workbench. Retired golden ids redirect (308) to their survivor; `/api/v1/changes` is a paged "
            "change feed: keep `next` and send it back as `since`."
        ),
    )
    app.state.hub = HubContext(store_factory, config, credentials)
    app.state.auth = auth
    app.dependency_overrides[current_user] = auth
    for module in (api, pages, review, session, quarantine, unmerge, docs, webhooks):
        app.include_router(module.router)

    @app.exception_handler(HTTPException)
    async def _login_redirect(request: Request, exc: HTTPException) -> Response:
        """A browser asking for a page without a session goes to the login page, API clients get 401."""
        wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if exc.status_code == 401 and wants_page and "/api/" not in request.url.path:
            target = f"{auth.login_url(request)}?next={quote(str(request.url.path), safe='/')}"
            return RedirectResponse(target, status_code=303)
        return await http_exception_handler(request, exc)

    return app
