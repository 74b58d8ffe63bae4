"""Keyboard-only review (issue 16, "Done when"): in real Chromium a steward logs in and resolves a queue
of twenty review clusters without touching the mouse — shortcuts with ``aria-keyshortcuts``, a visible
focus that starts on the first decision, a confirm dialog for taking a member out — and every answer
names the golden record it left with a link. Then a real sync against the four local systems over
loopback changes nothing the steward saw: the same golden ids, no change in the feed (so no split
followed by a merge), nothing re-opened, and a further sync has nothing left to push."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from browser_support import chromium_page, focused, login_by_keyboard
from webapp_support import USERS

from hub.pipeline import SyncPipeline
from hub.review_clusters import ReviewClusters
from hub.store import HubStore
from schemas import HubConfig
from webapp import create_app
from webapp.auth import StandaloneAuth, parse_users

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
DECISIONS = 20


@pytest.fixture
def synced(tmp_path, monkeypatch):
    """The four local systems (enough customers for 20+ review clusters), synced once into a fresh store."""
    from sources.run import start_local_sources

    local = start_local_sources(tmp_path / "sources", records=720, seed=11)
    for name, value in local.env().items():
        monkeypatch.setenv(name, value)
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["database_url"] = f"sqlite:///{tmp_path}/hub.db"
    config = HubConfig.model_validate(data)
    pipeline = SyncPipeline(config, HubStore(config.database_url, upgrade=True))
    assert pipeline.run(run_id="run-1").failed == {}
    yield pipeline
    pipeline.store.close()
    local.stop()


def _open_items(pipeline: SyncPipeline) -> list[str]:
    matching = pipeline.config.matching
    clusters = ReviewClusters(pipeline.store, matching.review_threshold, matching.match_threshold)
    return [i.item_id for i in clusters.page(limit=500).items]


def _values(record) -> dict:  # type: ignore[no-untyped-def]
    return record.model_dump(mode="json", exclude={"lineage", "updated_at"})


def _press(page, key: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.keyboard.press(key)


def _tab_to(page, prefix: str, limit: int = 80) -> str:  # type: ignore[no-untyped-def]
    """Press Tab until a button whose id starts with ``prefix`` has the focus; its id."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)["id"]
        if current.startswith(prefix):
            return current
    raise AssertionError(f"no {prefix}… button reachable by Tab")


def _remove_a_member_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    """Tab to a member's Remove, cancel the confirmation with Esc (nothing happens), then confirm."""
    button = _tab_to(page, "rm-")
    page.keyboard.press("Enter")
    assert page.is_visible("#confirm") and focused(page)["id"] == "confirm-yes"
    assert "out of golden record" in page.inner_text("#confirm-text")
    page.keyboard.press("Escape")
    assert not page.is_visible("#confirm") and focused(page)["id"] == button
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_twenty_review_clusters_resolved_by_keyboard_hold_after_the_next_sync(synced):
    store = synced.store
    auth = StandaloneAuth(parse_users(USERS), secret=b"test-secret-not-for-production")
    with chromium_page(create_app(lambda: store, synced.config, auth)) as (url, page):
        login_by_keyboard(page, url, "ann")
        assert page.url.endswith("/steward/review"), "the workbench opens on the review clusters"
        total = int(page.inner_text("#queue-total"))
        assert total >= DECISIONS + 1, total
        assert focused(page)["id"] == "btn-same", "focus starts on the first decision"
        assert focused(page)["outline"] != "none" and focused(page)["width"] != "0px", "focus is visible"
        keys = {"#btn-same": "s", "#btn-not-same": "n", "#next": "j", "#skip": "x", "#btn-undo": "u"}
        assert {sel: page.get_attribute(sel, "aria-keyshortcuts") for sel in keys} == keys

        page.keyboard.press("?")
        assert page.is_visible("#help")
        page.keyboard.press("Escape")
        assert not page.is_visible("#help")
        _press(page, "j")
        assert page.inner_text("#position").startswith("2 /")
        _press(page, "k")
        assert page.inner_text("#position").startswith("1 /")
        skipped = page.get_attribute("#item", "data-item")
        _press(page, "x")  # skip the first item: it stays open, the rest are decided from position 2
        assert page.inner_text("#position").startswith("2 /")

        decided: list[str] = []  # one entry per decision (s or n) taken on an item
        removed = just_removed = False
        while len(decided) < DECISIONS or page.get_attribute("#item", "data-item") in decided:
            item = page.get_attribute("#item", "data-item")
            assert item != skipped
            if not removed and page.locator("button[id^='rm-']").count() > 0:
                # taking a member out does not settle the item: the two proposals are still to decide
                _remove_a_member_by_keyboard(page)
                removed, just_removed, expected = True, True, "Removed: it stands alone in"
            else:
                # a merge joins the two records of the item's strongest link; other records of the
                # proposals may still have open links, and then the item comes back: keep those apart
                again = item in decided or just_removed
                key = "s" if len(decided) % 2 == 0 and not again else "n"
                _press(page, key)
                expected = "Merged into one golden record" if key == "s" else "Kept apart"
                decided.append(item)
                just_removed = False
            assert expected in page.inner_text("#flash")
            links = page.locator("#flash a.golden-link")
            assert links.count() >= 1
            golden_id = links.first.get_attribute("href").rsplit("/", 1)[1]
            assert store.golden.get_golden(golden_id) is not None, "the answer links a live golden record"
            assert focused(page)["id"] in ("btn-same", ""), "focus is back on the next item's first button"
        assert removed, "some review cluster had a member to take out"

    open_after_decisions = _open_items(synced)
    assert skipped in open_after_decisions and not set(decided) & set(open_after_decisions)
    assert len([d for d in store.decisions.active_decisions() if d.user == "ann"]) >= DECISIONS

    seen, head = store.golden.membership(), store.outbox.outbox_head()
    before = {g: store.golden.get_golden(g) for g in set(seen.values())}
    assert synced.run(run_id="run-2").failed == {}
    changes = store.outbox.changes_since(head)
    assert not [c for c in changes if c["change"] in ("split", "merge", "create", "delete")], changes
    # what a steward sees of every golden record stays as it was; an "update" may still appear when
    # two sources hold the same value and the sync's tie-break names the other one in the lineage
    assert {c["golden_id"]: _values(store.golden.get_golden(c["golden_id"])) for c in changes} == {
        c["golden_id"]: _values(before[c["golden_id"]]) for c in changes
    }
    assert store.golden.membership() == seen, "same golden ids after the sync"
    assert _open_items(synced) == open_after_decisions, "the sync re-opened or closed review items"
    last = synced.run(run_id="run-3")
    assert last.failed == {}
    assert all(stats["pushed"] == 0 for stats in last.published.values()), last.published
