"""The Airflow connection a local source system hands to the hub (``airflow connections add --conn-json``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def airflow_connection(
    url: str,
    *,
    conn_type: str = "http",
    login: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Host and port from ``url``, its scheme in ``extra`` next to the system's own ``extra`` keys."""
    parts = urlsplit(url)
    return {
        "conn_type": conn_type,
        "host": parts.hostname,
        "port": parts.port,
        "login": login,
        "password": password,
        "schema": schema,
        "extra": {"scheme": parts.scheme or "http", **extra},
    }
