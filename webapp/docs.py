"""Swagger UI served from the installed ``fastapi-offline`` package instead of a CDN, so ``/docs``
works on a hub with no internet access (inside a customer's network, or in Airflow's api-server)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

#: The files the Swagger UI page loads, shipped (with their licence) by fastapi-offline.
DOCS_STATIC = Path(fastapi_offline.__file__).parent / "static"
DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    base = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=f"{base}{request.app.openapi_url}",
        title=f"{request.app.title} – API",
        swagger_js_url=f"{base}/docs-static/swagger-ui-bundle.js",
        swagger_css_url=f"{base}/docs-static/swagger-ui.css",
        swagger_favicon_url=f"{base}/docs-static/favicon.png",
    )


@router.get("/docs-static/{name}")
def docs_static(name: str) -> FileResponse:
    if name not in DOCS_FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return FileResponse(DOCS_STATIC / name, media_type=DOCS_FILES[name])
