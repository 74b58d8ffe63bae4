"""Webhooks for freshness, a periodic full scan for completeness (option ``full_scan_every_seconds``):
between full scans a sync reads only the customers ``customer.*`` webhooks announced; a scan under way
resumes, an old cursor or a full refresh scans, and the run log says which it was. Against the local
shop over real HTTP, its requests counted where they arrive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loopback import pulled_ids
from shop_hub import SECRET, delivered, edit, hub_for

from connectors.shop_scan import ScanCursor, next_scan_due
from crmhub.summary import format_run_summary
from hub.store import CUSTOMERS_STREAM
from hub.webhook_inbox import WebhookInbox
from schemas import RecordKey
from sources.webshop.webhooks import register

VALID_IDS = [str(i) for i in range(1, 11) if i != 9]  # customer 9 has a malformed e-mail
NOW = datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC)
HOUR = 3600


def pages_read(shop) -> list[int]:
    """The scan pages the shop served (an announced read asks by ``include``, not by page), in page
    order: with ``page_concurrency`` the requests for the next pages arrive in any order."""
    return sorted(int(r.params["page"]) for r in shop.system.requests.seen()
                  if r.path.endswith("/customers") and "page" in r.params)


def shop_connector(shop, now: datetime = NOW, **options):
    connector = shop.connector(page_size=3, full_scan_every_seconds=HOUR, **options)
    connector.clock = lambda: now
    return connector


def test_a_recent_complete_scan_is_left_out_and_only_the_announced_customers_are_read(shop):
    cursor = ScanCursor(1, NOW - timedelta(minutes=10)).encode()
    connector = shop_connector(shop)
    connector.announced_ids = ["8", "2"]
    pages = list(connector.pull(cursor))
    assert pulled_ids(pages) == ["2", "8"] and [p.cursor for p in pages] == [cursor]
    assert pages_read(shop) == []
    assert connector.pull_notes["scan"] == ("skipped (last full scan 2026-12-06T09:50:00Z, next due "
                                            "2026-12-06T10:50:00Z)")
    assert connector.pull_notes["announced"] == 2
    connector.announced_ids = []
    assert list(connector.pull(cursor)) == [] and pages_read(shop) == []  # nothing announced: no request


def test_once_the_interval_has_passed_the_scan_runs_and_finds_a_change_no_webhook_announced(shop):
    completed = NOW - timedelta(seconds=HOUR)
    edit(shop, 5, last_name="Unannounced")  # no webhook registered: nobody tells the hub
    connector = shop_connector(shop)
    pages = list(connector.pull(ScanCursor(1, completed).encode()))
    assert pulled_ids(pages) == VALID_IDS and pages_read(shop) == [1, 2, 3, 4]
    assert next(r for p in pages for r in p.records if r.source_id == "5").family_name == "Unannounced"
    assert pages[-1].cursor == ScanCursor(1, NOW).encode() == "scan2|1|2026-12-06T10:00:00Z"
    assert connector.pull_notes["scan"] == "full"


def test_without_the_option_every_sync_scans(shop):
    connector = shop.connector(page_size=3)
    connector.clock = lambda: NOW
    pages = list(connector.pull(ScanCursor(1, NOW - timedelta(seconds=1)).encode()))
    assert pulled_ids(pages) == VALID_IDS and connector.pull_notes == {"scan": "full", "announced": 0}


def test_an_interrupted_scan_resumes_at_its_page_even_right_after_the_last_complete_one(shop):
    recent = NOW - timedelta(minutes=10)
    started = list(shop_connector(shop).pull(ScanCursor(1, NOW - timedelta(days=1)).encode()))
    assert started[0].cursor == ScanCursor(2, NOW - timedelta(days=1)).encode()
    shop.system.requests.clear()
    connector = shop_connector(shop)
    resumed = list(connector.pull(ScanCursor(2, recent).encode()))  # the worker died after page 1
    assert pages_read(shop) == [2, 3, 4] and pulled_ids(resumed) == ["4", "5", "6", "7", "8", "10"]
    assert connector.pull_notes["scan"] == "full (resumed at page 2)"
    assert resumed[-1].cursor == ScanCursor(1, NOW).encode()  # complete now


def test_old_cursors_mean_no_completed_scan_is_known_so_the_sync_scans(shop):
    for old, first_page in (("scan1|1", 1), ("scan1|3", 3), ("wm1|2024-01-01T00:00:00|4", 1)):
        shop.system.requests.clear()
        pages = list(shop_connector(shop).pull(old))
        assert pages_read(shop) == list(range(first_page, 5)), old
        assert pages[-1].cursor == "scan2|1|2026-12-06T10:00:00Z", old


def test_a_completion_time_in_the_future_does_not_postpone_the_scan():
    ahead = ScanCursor(1, NOW + timedelta(days=2))  # the clock was set back since
    assert next_scan_due(ahead, timedelta(hours=1), NOW) is None
    assert next_scan_due(ScanCursor(1, NOW), timedelta(hours=1), NOW) == NOW + timedelta(hours=1)


def test_with_webhooks_a_no_change_sync_reads_no_page_and_an_announced_edit_is_staged(
    shop, tmp_path, monkeypatch
):
    with hub_for(shop, tmp_path, monkeypatch, full_scan_every_seconds=HOUR) as (pipeline, receiver):
        register(shop.url, shop.auth, f"{receiver}/webshop", SECRET)
        first = pipeline.run(run_id="run-1")
        assert first.extracted["webshop"]["scan"] == "full" and "warning" not in first.extracted["webshop"]
        assert delivered(shop) == [200] * 9  # the golden ids the hub pushed: customer.updated each
        shop.system.requests.clear()

        second = pipeline.run(run_id="run-2")  # reads what its own push announced, by id
        assert pages_read(shop) == []
        assert second.extracted["webshop"]["scan"].startswith("skipped (last full scan ")
        assert second.extracted["webshop"]["announced"] == 9

        third = pipeline.run(run_id="run-3")  # nothing changed, nothing announced
        assert pages_read(shop) == [] and third.extracted["webshop"]["announced"] == 0
        assert third.matched["rematched_records"] == 0
        assert all(stats["pushed"] == 0 for stats in third.published.values())
        text = format_run_summary(pipeline.store.runlog.run_steps("run-3"), pipeline.store.runlog.counts())
        assert "scan: skipped (last full scan" in text
        assert "0 records announced by webhooks read by id" in text

        edit(shop, 8, first_name="Grace")
        assert delivered(shop)[-1] == 200
        fourth = pipeline.run(run_id="run-4")
        assert pages_read(shop) == [] and fourth.extracted["webshop"]["updated"] == 1
        stored = pipeline.store.staging.load_records([RecordKey("webshop", "8")])
        assert stored[RecordKey("webshop", "8")].given_name == "Grace"
        assert WebhookInbox(pipeline.store).pending("webshop") == ([], 0)


def test_without_webhooks_the_run_warns_and_a_full_refresh_or_a_due_scan_still_scans(
    shop, tmp_path, monkeypatch
):
    with hub_for(shop, tmp_path, monkeypatch, full_scan_every_seconds=HOUR) as (pipeline, _):
        first = pipeline.extract("webshop", "run-1")
        assert first["scan"] == "full"
        assert "customer.created, customer.updated, customer.deleted" in first["warning"]
        edit(shop, 5, last_name="Unannounced")
        skipped = pipeline.extract("webshop", "run-2")
        assert skipped["scan"].startswith("skipped") and skipped["updated"] == 0  # not seen yet
        text = format_run_summary(pipeline.store.runlog.run_steps("run-2"), pipeline.store.runlog.counts())
        assert "WARNING: full_scan_every_seconds is set but no active webhook delivers" in text

        refreshed = pipeline.extract("webshop", "run-3", full_refresh=True)
        assert refreshed["scan"] == "full" and refreshed["updated"] == 1  # the refresh scans

        edit(shop, 6, last_name="AlsoUnannounced")
        an_hour_ago = datetime.now(UTC) - timedelta(seconds=HOUR + 1)
        # an hour passed since the last complete scan
        pipeline.store.staging.set_cursor("webshop", ScanCursor(1, an_hour_ago).encode(), CUSTOMERS_STREAM)
        due = pipeline.extract("webshop", "run-4")
        assert due["scan"] == "full" and due["updated"] == 1
        stored = pipeline.store.staging.load_records([RecordKey("webshop", "6")])
        assert stored[RecordKey("webshop", "6")].family_name == "AlsoUnannounced"


def test_a_shop_that_refuses_the_webhook_list_is_a_warning_not_a_failed_sync(shop):
    shop.system.faults.fail_next(1, status=403)  # the first request is GET /webhooks
    connector = shop_connector(shop)
    assert pulled_ids(list(connector.pull(None))) == VALID_IDS
    assert connector.pull_notes["warning"].startswith("could not list the shop's webhooks (webshop.webhooks:")
