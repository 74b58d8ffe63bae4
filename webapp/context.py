"""Access to the app's hub services from a request (the app may be mounted inside Airflow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    from webapp.app import HubContext


def hub_of(request: Request) -> HubContext:
    return request.app.state.hub
