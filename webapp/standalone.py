"""``crmhub serve``: the app with standalone token auth under uvicorn (no Airflow needed)."""

from __future__ import annotations

from fastapi import FastAPI

from crmhub.local_secrets import WEB_SECRET, resolve_secrets
from hub.store import HubStore
from schemas import HubConfig
from webapp.app import create_app
from webapp.auth import StandaloneAuth


def standalone_app(config: HubConfig, auth: StandaloneAuth | None = None) -> FastAPI:
    """The app; without ``auth``, users from the environment and the signing secret from
    :func:`crmhub.local_secrets.resolve_secrets` (generated once locally, checked in production mode,
    where it raises :class:`crmhub.local_secrets.InsecureSecretError`)."""
    if auth is None:
        auth = StandaloneAuth.from_env(secret=resolve_secrets((WEB_SECRET,))[WEB_SECRET])
    return create_app(lambda: HubStore(config.database_url), config, auth)


def serve(config: HubConfig, host: str = "127.0.0.1", port: int = 8600) -> None:
    import uvicorn

    uvicorn.run(standalone_app(config), host=host, port=port, proxy_headers=False, log_level="info")
