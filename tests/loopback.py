"""Test plumbing shared by the connector suites: a local source system served over real HTTP on
loopback, and connectors built the way the hub builds them (Airflow connection JSON -> Credentials)."""

from __future__ import annotations

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


@dataclass
class Served:
    """A seeded local system and its server; subclasses add the system's own API helpers."""

    system: Any
    server: RunningServer
    #: The connector kind (config/crmhub.yaml ``kind``) that talks to this system.
    kind: ClassVar[str]

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
    """``start(rows=default_rows, **settings)`` seeds a fresh system and serves it; all stop at exit."""
    servers: list[RunningServer] = []

    def start(rows: Sequence[dict[str, str]] = default_rows, **settings: Any) -> Served:
        system = system_class(folder / f"{system_class.name}{len(servers)}", **settings)
        system.seed(list(rows))
        servers.append(serve_in_thread(system.app()))
        return served_class(system, servers[-1])

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def pulled_ids(pages: Sequence[Any]) -> list[str]:
    """Source ids of the records of pulled pages, in delivery order."""
    return [record.source_id for page in pages for record in page.records]
