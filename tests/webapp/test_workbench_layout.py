"""The workbench at 800 px and its readability (issue 16 item 7), in real Chromium: no horizontal page
overflow on the review, golden record and quarantine pages (wide tables scroll inside their own box),
queue numbers of two digits shown whole, and a history that names fields, people, times and reasons
instead of internal keys."""

from __future__ import annotations

import pytest
from browser_support import chromium_page, login_by_keyboard
from webapp_support import bearer, matched_pipeline

from hub.quarantine import QuarantineBook, mapping_for
from schemas import QuarantinedRecord
from sources.generator import generate_dataset, to_customer_record
from webapp import create_app

pytestmark = pytest.mark.browser
# a CSV row refused at the door, with a value far wider than any window
ROW = {
    "KDNR": "Q-800",
    "VORNAME": "Gesine",
    "NACHNAME": "Hornich",
    "ORT": "Leipzig",
    "LAND": "DE",
    "EMAIL": "gesine721@",
    "BEMERKUNG": "x" * 400,
}
NUMBERS = """() => {
  const list = document.querySelector('.queue-list').getBoundingClientRect();
  return [...document.querySelectorAll('.queue-list .n')].map((n) => {
    const box = n.getBoundingClientRect();
    return {text: n.textContent, inside: box.left >= list.left && n.scrollWidth <= n.clientWidth + 1};
  });
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def busy_hub(tmp_path):
    """A hub with more than ten review clusters, a decision with a reason and a quarantined row."""
    rows = generate_dataset(n_records=900, seed=5, malformed_rate=0.0).rows
    pipeline = matched_pipeline(f"sqlite:///{tmp_path}/hub.db", [to_customer_record(r) for r in rows])
    source = pipeline.config.source("legacy_csv")
    try:
        mapping_for(source).to_record("legacy_csv", ROW)
    except ValueError as exc:
        pipeline.store.staging.stage_page(
            "legacy_csv", [], [QuarantinedRecord.from_error("legacy_csv", "Q-800", exc, ROW)], None, "run-q"
        )
    yield pipeline
    pipeline.store.close()


def _biggest_golden(hub) -> str:
    groups: dict[str, int] = {}
    for golden_id in hub.store.golden.membership().values():
        groups[golden_id] = groups.get(golden_id, 0) + 1
    return max(sorted(groups), key=lambda g: groups[g])


def test_pages_fit_800_pixels_and_read_well(busy_hub, auth):
    hub = busy_hub
    app = create_app(lambda: hub.store, hub.config, auth)
    golden_id = _biggest_golden(hub)
    left, right = hub.store.golden.members(golden_id)[:2]
    from fastapi.testclient import TestClient

    with TestClient(app) as client:  # a decision with a reason, for the history
        body = {"kind": "not_same", "left": left._asdict(), "right": right._asdict(), "comment": "twins"}
        client.post("/steward/decisions", json=body, headers=bearer("ann")).raise_for_status()
    (entry,) = QuarantineBook(hub.store).entries()

    with chromium_page(app, width=800) as (url, page):
        login_by_keyboard(page, url, "ann")
        assert page.url.endswith("/steward/review")
        for path in (
            "/steward/review",
            f"/steward/golden/{golden_id}",
            "/steward/quarantine",
            f"/steward/quarantine/{entry.id}",
            "/steward/pairs",
            "/steward/conflicts",
        ):
            page.goto(f"{url}{path}")
            assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than 800 px"
        page.goto(f"{url}/steward/review")
        compare = page.locator("table.compare").first.bounding_box()
        assert compare["x"] + compare["width"] <= 800 or page.evaluate(
            "() => [...document.querySelectorAll('.table-scroll')].some(b => b.scrollWidth > b.clientWidth)"
        ), "a wide comparison table scrolls inside its own box"

        # numbers of ten and more are shown whole (list markers outside a scrolling box were clipped)
        numbers = page.evaluate(NUMBERS)
        assert len(numbers) >= 11 and numbers[9]["text"] == "10"
        assert all(n["inside"] for n in numbers), numbers

        # history: who, when, what and why, with people's names and field labels, not internal keys
        page.goto(f"{url}/steward/golden/{golden_id}")
        history = page.inner_text("table.history")
        assert "decided: not the same customer" in history and "ann" in history and "twins" in history
        row = page.locator("table.history tr[data-kind='not_same']").first.inner_text()
        assert str(left) in row and str(right) in row  # the records, each next to its name
        lineage = page.inner_text("table.lineage")
        assert "date of birth" in lineage and "date_of_birth" not in lineage
