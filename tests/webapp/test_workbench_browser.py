"""End to end in headless Chromium: log in, work through the review queue with the mouse and with
keyboard shortcuts, undo, unmerge a record, and check that the next sync run honours every decision.
Screenshots go to a temporary folder; the README's are taken by scripts/screenshots.py
(`make screenshots`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from webapp_support import TOKENS

from schemas import RecordKey
from sources.serve import serve_in_thread
from webapp import create_app

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("CRMHUB_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="crmhub-screenshots-"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(hub, auth):
    from playwright.sync_api import sync_playwright

    server = serve_in_thread(create_app(lambda: hub.store, hub.config, auth))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(10_000)
        yield server.url, page
        browser.close()
    server.stop()


def _current_pair(page) -> tuple[RecordKey, RecordKey]:
    keys = [page.inner_text(sel).strip().split(":", 1) for sel in ("#left-key", "#right-key")]
    return RecordKey(*keys[0]), RecordKey(*keys[1])


def _decide_by_key(page, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_steward_works_through_the_queue_and_the_next_sync_honours_it(browser_page, hub):
    url, page = browser_page
    store = hub.store
    page.goto(f"{url}/steward/pairs")
    assert "/login" in page.url  # not logged in yet
    page.fill("input[name=username]", "ann")
    page.fill("input[name=token]", TOKENS["ann"])
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/steward/pairs")
    total = int(page.inner_text("#queue-total"))
    assert total >= 4
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

    # Mouse: "Same customer" on the first item.
    same = _current_pair(page)
    with page.expect_navigation():
        page.click("#btn-same")
    assert "Saved: same" in page.inner_text("#flash")
    assert store.golden.golden_id_of(same[0]) == store.golden.golden_id_of(same[1])
    assert int(page.inner_text("#queue-total")) < total

    # Keyboard: j/k move through the queue, n = not the same, s = same, u = undo, ? = help.
    _decide_by_key(page, "j")
    assert page.url.endswith("at=1")
    _decide_by_key(page, "k")
    assert page.url.endswith("at=0")
    apart = _current_pair(page)
    _decide_by_key(page, "n")
    assert "Saved: not the same customer" in page.inner_text("#flash")
    undone = _current_pair(page)
    assert store.golden.golden_id_of(undone[0]) != store.golden.golden_id_of(undone[1])
    _decide_by_key(page, "s")
    assert store.golden.golden_id_of(undone[0]) == store.golden.golden_id_of(undone[1])
    _decide_by_key(page, "u")
    assert "Undone: same" in page.inner_text("#flash")
    assert store.golden.golden_id_of(undone[0]) != store.golden.golden_id_of(undone[1])  # apart again
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")

    # Unmerge a record from a golden record of two, with the mouse on the golden record page.
    groups: dict[str, list[RecordKey]] = {}
    for key, golden_id in sorted(store.golden.membership().items()):
        groups.setdefault(golden_id, []).append(key)
    golden_id, members = next((g, m) for g, m in sorted(groups.items()) if len(m) == 2)
    page.goto(f"{url}/steward/golden/{golden_id}")
    page.screenshot(path=str(SCREENSHOTS / "golden-record.png"), full_page=True)
    leaving = members[1]
    with page.expect_navigation():
        page.click(f"tr[data-key='{leaving}'] a.unmerge")
    assert store.golden.golden_id_of(leaving) == golden_id, "the confirmation page changes nothing"
    page.fill("input[name=comment]", "a different person")
    with page.expect_navigation():
        page.click("#confirm-unmerge")
    assert f"Unmerged: {leaving}" in " ".join(page.inner_text("#unmerge-result").split())
    assert store.golden.golden_id_of(leaving) != store.golden.golden_id_of(members[0])
    assert "decided: take out of this golden record" in page.inner_text("table.history")

    page.goto(f"{url}/steward/conflicts")
    page.screenshot(path=str(SCREENSHOTS / "field-conflicts.png"), full_page=True)

    # The next sync run honours every decision, and the decisions are audited with the user name.
    hub.match("run-2")
    assert store.golden.golden_id_of(same[0]) == store.golden.golden_id_of(same[1])
    assert store.golden.golden_id_of(apart[0]) != store.golden.golden_id_of(apart[1])
    assert store.golden.golden_id_of(leaving) != store.golden.golden_id_of(members[0])
    kinds = sorted(d.kind.value for d in store.decisions.active_decisions() if d.user == "ann")
    assert kinds == ["not_same", "same", "unmerge"]


def test_a_viewer_sees_the_queue_read_only(browser_page, hub):
    url, page = browser_page
    page.goto(f"{url}/login?next=/steward/pairs")
    page.fill("input[name=username]", "vic")
    page.fill("input[name=token]", TOKENS["vic"])
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.is_disabled("#btn-same") and page.is_disabled("#btn-not-same")
    page.keyboard.press("s")  # a disabled action does nothing
    page.wait_for_timeout(300)
    assert hub.store.decisions.active_decisions() == []
