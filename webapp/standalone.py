"""``crmhub serve``: the app with standalone token auth under uvicorn (no Airflow needed)."""

from __future__ import annotations

from fastapi import FastAPI

from hub.store import HubStore
from schemas import HubConfig
from webapp.app import create_app
from webapp.auth import StandaloneAuth


def standalone_app(config: HubConfig, auth: StandaloneAuth | None = None) -> FastAPI:
    return create_app(lambda: HubStore(config.database_url), config, auth or StandaloneAuth.from_env())


def serve(config: HubConfig, host: str = "127.0.0.1", port: int = 8600) -> None:
    import uvicorn

    uvicorn.run(standalone_app(config), host=host, port=port, proxy_headers=False, log_level="info")
