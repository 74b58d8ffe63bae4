"""/docs renders Swagger UI in Chromium with every non-loopback request blocked: the UI's files come
from the installed package, not a CDN."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from test_workbench_browser import CHROMIUM_ARGS

from sources.serve import serve_in_thread
from webapp import create_app

pytestmark = pytest.mark.browser
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def test_swagger_ui_renders_with_no_external_request(hub, auth):
    from playwright.sync_api import sync_playwright

    server = serve_in_thread(create_app(lambda: hub.store, hub.config, auth))
    requested: list[str] = []
    blocked: list[str] = []

    def route(r) -> None:
        requested.append(r.request.url)
        if urlsplit(r.request.url).hostname in LOOPBACK:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 800, "height": 900})
            page.route("**/*", route)
            page.goto(f"{server.url}/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
            assert "CRM Hub" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector(
                "[data-path='/api/v1/quarantine']", state="attached"
            )  # the operations are listed
            browser.close()
    finally:
        server.stop()
    assert blocked == []
    assert any(u.endswith("/docs-static/swagger-ui-bundle.js") for u in requested)
    assert any(u.endswith("/openapi.json") for u in requested)
