"""Chromium for the workbench's browser tests: the app served on loopback, a page of a given width, and
a login typed on the keyboard (the login form's user-name field has the focus when the page opens)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from test_workbench_browser import CHROMIUM_ARGS
from webapp_support import TOKENS

from sources.serve import serve_in_thread


@contextmanager
def chromium_page(app: FastAPI, width: int = 1400, height: int = 900) -> Iterator[tuple[str, object]]:
    """(server URL, Playwright page) in headless Chromium, for as long as the ``with`` lasts."""
    from playwright.sync_api import sync_playwright

    server = serve_in_thread(app)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(15_000)
            try:
                yield server.url, page
            finally:
                browser.close()
    finally:
        server.stop()


def login_by_keyboard(page, url: str, user: str, then: str = "/steward/") -> None:  # type: ignore[no-untyped-def]
    """Open ``then``, get sent to the login page, and log in by typing only."""
    page.goto(f"{url}{then}")
    assert "/login" in page.url
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(TOKENS[user])
    with page.expect_navigation():
        page.keyboard.press("Enter")


def focused(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The focused element's id, outline style and width (a visible focus ring is not "none"/"0px")."""
    return page.evaluate(
        "() => { const el = document.activeElement, css = getComputedStyle(el);"
        " return {id: el.id, outline: css.outlineStyle, width: css.outlineWidth}; }"
    )
