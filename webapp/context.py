"""The app's hub services and their access from a request (the app may be mounted inside Airflow).

:class:`HubContext` lives here, not in :mod:`webapp.app`, so that routers can name it without
importing the app module that imports them (that was an import cycle).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import cast

from fastapi import Request

from connectors.credentials import CredentialsProvider, credentials_from_env
from hub.queries import HubQueries
from hub.stewardship import Stewardship
from hub.store import HubStore
from schemas import HubConfig


class HubContext:
    """The store, configuration and the read/decide services built from them, created once on demand.

    ``credentials`` reads a source's connection (a webhook's secret is in its extra): from the
    environment standalone, through Airflow's connections when the app is mounted in Airflow.
    """

    def __init__(
        self,
        store_factory: Callable[[], HubStore],
        config: HubConfig | Callable[[], HubConfig],
        credentials: CredentialsProvider = credentials_from_env,
    ):
        self._store_factory, self._config = store_factory, config
        self.credentials = credentials
        self._lock = threading.Lock()
        self._store: HubStore | None = None

    @cached_property
    def config(self) -> HubConfig:
        return self._config() if callable(self._config) else self._config

    @property
    def store(self) -> HubStore:
        with self._lock:  # sync routes run in a thread pool: open the store exactly once
            if self._store is None:
                self._store = self._store_factory()
            return self._store

    @property
    def queries(self) -> HubQueries:
        matching = self.config.matching
        return HubQueries(self.store, matching.review_threshold, matching.match_threshold)

    @property
    def stewardship(self) -> Stewardship:
        return Stewardship(self.store, self.config)


def hub_of(request: Request) -> HubContext:
    return cast(HubContext, request.app.state.hub)
