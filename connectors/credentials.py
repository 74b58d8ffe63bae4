"""Credentials from Airflow Connections or the environment, never from the YAML and never logged.

Outside Airflow a connection id ``crmhub_erp`` is read from ``CRMHUB_CONN_CRMHUB_ERP`` or
``AIRFLOW_CONN_CRMHUB_ERP`` in either of Airflow's two formats (URI or JSON). Inside Airflow the hooks
in :mod:`connectors.airflow_hooks` build the same object from ``BaseHook.get_connection``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass(frozen=True)
class Credentials:
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    conn_type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def base_url(self, default_scheme: str = "http") -> str:
        """``scheme://host:port`` (plus ``schema`` as a path when set) for HTTP-based systems."""
        scheme = self.extra.get("scheme", default_scheme)
        port = f":{self.port}" if self.port else ""
        path = f"/{self.schema.strip('/')}" if self.schema else ""
        return f"{scheme}://{self.host}{port}{path}"


class MissingCredentialsError(LookupError):
    pass


#: Connection id -> credentials: :func:`credentials_from_env` outside Airflow,
#: ``connectors.airflow_hooks.airflow_credentials`` inside (metadata DB, secrets backend, env).
CredentialsProvider = Callable[[str], Credentials]


def env_var_names(conn_id: str) -> list[str]:
    upper = conn_id.upper()
    return [f"CRMHUB_CONN_{upper}", f"AIRFLOW_CONN_{upper}"]


def credentials_from_env(conn_id: str) -> Credentials:
    for name in env_var_names(conn_id):
        if value := os.environ.get(name):
            return parse_connection(value)
    raise MissingCredentialsError(
        f"connection {conn_id!r} not found: set one of {', '.join(env_var_names(conn_id))} "
        "or define it as an Airflow Connection"
    )


def parse_connection(value: str) -> Credentials:
    """Parse Airflow's connection formats: JSON (``{"conn_type": ...}``) or URI (``type://u:p@h:1/s?k=v``)."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra)
        return Credentials(
            host=data.get("host"),
            port=int(data["port"]) if data.get("port") else None,
            login=data.get("login"),
            password=data.get("password"),
            schema=data.get("schema"),
            conn_type=data.get("conn_type"),
            extra=extra,
        )
    parts = urlsplit(value)
    extra: dict[str, Any] = dict(parse_qsl(parts.query))
    if "__extra__" in extra:
        extra = json.loads(extra["__extra__"])
    return Credentials(
        host=unquote(parts.hostname) if parts.hostname else None,
        port=parts.port,
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        schema=unquote(parts.path.lstrip("/")) or None,
        conn_type=parts.scheme.replace("-", "_") or None,
        extra=extra,
    )
