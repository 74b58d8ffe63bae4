"""Test plumbing shared by the connector suites: a local source system served over real HTTP on
loopback, and connectors built the way the hub builds them (Airflow connection JSON -> Credentials)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from connectors.base import SourceConnector
from connectors.credentials import parse_connection
from connectors.registry import connector_class
from schemas import SourceConfig
from sources.serve import RunningServer, serve_in_thread


class InFlight:
    """An ASGI app wrapped to count the HTTP requests it is answering at once (the most in ``peak``),
    each held ``latency`` seconds first, as a network and a busier server would: with the server on
    loopback and idle, one call can end before the client has sent the next, which would hide whether
    calls overlap at all.

    A request counts from its arrival until the last part of its answer is handed on to be sent, not
    until the app returns: a client that waits for each answer may already have sent its next request
    while the app finishes, and two requests one after another must never count as two at once."""

    def __init__(self, app: Any, latency: float = 0.0):
        self.app, self.latency = app, latency
        self.now = self.peak = self.calls = 0  # changed on the server's event loop only

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.now += 1
        self.calls += 1
        self.peak = max(self.peak, self.now)
        answered = False

        async def send_counted(message: dict[str, Any]) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body") and not answered:
                answered = True
                self.now -= 1
            await send(message)

        try:
            await asyncio.sleep(self.latency)
            await self.app(scope, receive, send_counted)
        finally:
            if not answered:
                self.now -= 1


@dataclass
class Served:
    """A seeded local system and its server; subclasses add the system's own API helpers."""

    system: Any
    server: RunningServer
    #: The connector kind (config/crmhub.yaml ``kind``) that talks to this system.
    kind: ClassVar[str]
    #: What the server answered at once, when started with a ``latency`` (:class:`InFlight`).
    in_flight: InFlight | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def connector(self, page_size: int = 100, password: str | None = None, **options: Any) -> SourceConnector:
        connection = self.system.connection(self.url)
        connection["password"] = password or connection["password"]
        config = SourceConfig(name=self.system.name, kind=self.kind, page_size=page_size, options=options)
        return connector_class(self.kind)(config, parse_connection(json.dumps(connection)))


@contextmanager
def serving(
    folder: Path, system_class: type, served_class: type[Served], default_rows: Sequence[dict[str, str]]
) -> Iterator[Callable[..., Served]]:
    """``start(rows=default_rows, latency=None, **settings)`` seeds a fresh system and serves it (with a
    ``latency``: counting the requests it answers at once, see :class:`InFlight`); all stop at exit."""
    servers: list[RunningServer] = []

    def start(rows: Sequence[dict[str, str]] = default_rows, latency: float | None = None,
              **settings: Any) -> Served:
        system = system_class(folder / f"{system_class.name}{len(servers)}", **settings)
        system.seed(list(rows))
        watched = InFlight(system.app(), latency) if latency is not None else None
        servers.append(serve_in_thread(watched or system.app()))
        return served_class(system, servers[-1], watched)

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def pulled_ids(pages: Sequence[Any]) -> list[str]:
    """Source ids of the records of pulled pages, in delivery order."""
    return [record.source_id for page in pages for record in page.records]
