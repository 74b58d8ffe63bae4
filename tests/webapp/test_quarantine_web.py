"""Quarantine in the API and in Chromium: list with payload and dates, a fix refused with the schema's
reason and nothing stored, a valid fix and release picked up by the next sync, discard with a reason;
viewers may look but not decide."""

from __future__ import annotations

import pytest
from test_workbench_browser import CHROMIUM_ARGS
from webapp_support import TOKENS, bearer

from hub.quarantine import QuarantineBook, mapping_for
from schemas import QuarantinedRecord, RecordKey
from sources.serve import serve_in_thread
from webapp import create_app

ROW = {"KDNR": "Q-77", "VORNAME": "Gesine", "NACHNAME": "Hornich", "ORT": "Leipzig", "LAND": "DE",
       "EMAIL": "gesine721@"}


@pytest.fixture
def quarantined(hub) -> int:
    """One CSV row refused the way the connector refuses it, staged twice (a full refresh)."""
    source = hub.config.source("legacy_csv")
    try:
        mapping_for(source).to_record("legacy_csv", ROW)
    except ValueError as exc:
        bad = QuarantinedRecord.from_error("legacy_csv", "Q-77", exc, ROW)
    for run in ("run-a", "run-b"):
        hub.store.staging.stage_page("legacy_csv", [], [bad], None, run)
    (entry,) = QuarantineBook(hub.store).entries()
    return entry.id


def test_api_lists_fixes_and_releases_a_row(client, hub, quarantined):
    listed = client.get("/api/v1/quarantine", headers=bearer("vic")).json()
    assert len(listed) == 1
    (entry,) = listed
    assert entry["payload"] == ROW and entry["seen_count"] == 2 and "e-mail" in entry["reason"]
    assert entry["where"] == "legacy_csv:Q-77" and entry["first_seen_at"] and entry["last_seen_at"]

    url = f"/api/v1/quarantine/{quarantined}"
    assert client.post(f"{url}/release", headers=bearer("vic")).status_code == 403
    refused = client.post(f"{url}/fix", json={"fields": {"EMAIL": "x@@y"}}, headers=bearer("ann"))
    assert refused.status_code == 422 and "mail" in refused.json()["detail"]
    assert client.post(f"{url}/release", headers=bearer("ann")).status_code == 422
    assert client.get(url, headers=bearer("ann")).json()["payload"] == ROW  # nothing stored

    fixed = client.post(f"{url}/fix", json={"fields": {"EMAIL": "gesine@example.de"}}, headers=bearer("ann"))
    assert fixed.status_code == 200 and fixed.json()["payload"]["EMAIL"] == "gesine@example.de"
    assert client.post(f"{url}/release", headers=bearer("ann")).json()["status"] == "released"
    assert client.get("/api/v1/quarantine", headers=bearer("ann")).json() == []  # open list empty

    staged = QuarantineBook(hub.store).stage_released(hub.config.source("legacy_csv"), "run-c")
    assert staged.inserted == 1
    key = RecordKey("legacy_csv", "Q-77")
    assert hub.store.staging.load_records([key])[key].emails == ["gesine@example.de"]
    history = client.get(url, headers=bearer("ann")).json()["history"]
    assert [h["action"] for h in history] == ["fix", "release", "staged"]


def test_api_discard_needs_a_reason(client, quarantined):
    url = f"/api/v1/quarantine/{quarantined}/discard"
    assert client.post(url, json={"reason": ""}, headers=bearer("ann")).status_code == 422
    done = client.post(url, json={"reason": "a test row"}, headers=bearer("ann")).json()
    assert done["status"] == "discarded" and done["history"][-1]["reason"] == "a test row"
    assert client.post(url, json={"reason": "again"}, headers=bearer("ann")).status_code == 422


#: Elements whose right edge lies beyond the 800 px viewport.
OVERFLOWING = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""


@pytest.fixture
def browser(hub, auth):
    from playwright.sync_api import sync_playwright

    server = serve_in_thread(create_app(lambda: hub.store, hub.config, auth))
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 800, "height": 900})
        page.set_default_timeout(10_000)
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", "ann")
        page.fill("input[name=token]", TOKENS["ann"])
        with page.expect_navigation():
            page.click("button[type=submit]")
        yield server.url, page
        chromium.close()
    server.stop()


@pytest.mark.browser
def test_steward_fixes_and_releases_a_row_in_chromium_without_javascript_help(browser, hub, quarantined):
    url, page = browser
    page.goto(f"{url}/steward/quarantine")
    row = page.locator(f"tr[data-entry='{quarantined}']")
    assert "e-mail" in row.inner_text() and "2×" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    assert "gesine721@" in page.input_value("input[name='field:EMAIL']")

    page.fill("input[name='field:EMAIL']", "still broken")
    with page.expect_navigation():
        page.click("text=Save fix")
    assert "Not accepted" in page.inner_text("#q-error")
    assert QuarantineBook(hub.store).get(quarantined).payload == ROW

    page.fill("input[name='field:EMAIL']", "gesine@example.de")
    with page.expect_navigation():
        page.click("text=Save fix")
    assert "now validates" in page.inner_text("#q-result")
    with page.expect_navigation():
        page.click("text=Release into the next sync")
    assert "next sync stages" in page.inner_text("#q-result")
    assert "fix" in page.inner_text("ol.history") and "ann" in page.inner_text("ol.history")
    assert page.evaluate(OVERFLOWING) == []
    assert QuarantineBook(hub.store).get(quarantined).status == "released"


@pytest.mark.browser
def test_steward_discards_a_row_with_a_reason_in_chromium(browser, hub, quarantined):
    url, page = browser
    page.goto(f"{url}/steward/quarantine/{quarantined}")
    page.fill("input[name=reason]", "not a customer")
    with page.expect_navigation():
        page.click("text=Discard")
    assert "Discarded" in page.inner_text("#q-result")
    assert "not a customer" in page.inner_text("ol.history")
    assert QuarantineBook(hub.store).get(quarantined).status == "discarded"
