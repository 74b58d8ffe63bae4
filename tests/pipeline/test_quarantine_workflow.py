"""Quarantine workflow over the loopback sources: one entry per bad row however often it is read, a
steward's fix validated by the canonical schema, a released row staged by the next sync like a fresh
record, a discarded row kept with its reason."""

from __future__ import annotations

import pytest

from hub.pipeline import SyncPipeline
from hub.quarantine import DISCARDED, OPEN, STAGED, QuarantineBook, QuarantineError
from hub.store import HubStore
from schemas import RecordKey


@pytest.fixture
def synced(hub_config, local_sources) -> SyncPipeline:
    pipeline = SyncPipeline(hub_config, HubStore(hub_config.database_url, upgrade=True))
    pipeline.run(run_id="run-1")
    yield pipeline
    pipeline.store.close()


def _erp_entry(book: QuarantineBook):
    return next(e for e in book.entries() if e.source_system == "erp" and "SMTP_ADDR" in e.payload)


def test_a_full_refresh_counts_a_known_bad_row_instead_of_listing_it_twice(synced):
    book = QuarantineBook(synced.store)
    before = {(e.source_system, e.source_id, e.reason): e for e in book.entries()}
    assert before and all(e.seen_count == 1 for e in before.values())

    synced.run(run_id="run-2", full_refresh=True)

    after = {(e.source_system, e.source_id, e.reason): e for e in book.entries()}
    assert after.keys() == before.keys()
    assert len(book.entries()) == len(before)
    assert all(e.seen_count == 2 and e.run_id == "run-2" for e in after.values())
    assert all(after[k].last_seen_at >= before[k].last_seen_at for k in before)


def test_a_fixed_and_released_row_is_staged_and_matched_by_the_next_sync(synced, hub_config):
    book = QuarantineBook(synced.store)
    entry = _erp_entry(book)
    erp = hub_config.source("erp")
    key = RecordKey("erp", entry.source_id)
    assert key not in synced.store.golden.membership()

    with pytest.raises(QuarantineError, match="e-mail"):
        book.fix(entry.id, erp, {"SMTP_ADDR": "still@broken@"}, "ann")
    with pytest.raises(QuarantineError):
        book.release(entry.id, erp, "ann")  # not valid yet
    assert book.get(entry.id).payload == entry.payload and book.get(entry.id).status == OPEN

    fixed = book.fix(entry.id, erp, {"SMTP_ADDR": "fixed.by.ann@example.com"}, "ann")
    assert fixed.payload["SMTP_ADDR"] == "fixed.by.ann@example.com"
    book.release(entry.id, erp, "ann")

    synced.run(run_id="run-3")

    assert key in synced.store.golden.membership()
    assert "fixed.by.ann@example.com" in synced.store.staging.load_records([key])[key].emails
    done = book.get(entry.id)
    assert done.status == STAGED
    assert [e["action"] for e in done.history] == ["fix", "release", "staged"]
    assert done.history[0]["actor"] == "ann"


def test_a_discarded_row_keeps_its_reason_and_is_not_staged(synced, hub_config):
    book = QuarantineBook(synced.store)
    entry = _erp_entry(book)
    with pytest.raises(QuarantineError):
        book.discard(entry.id, "ann", "  ")
    book.discard(entry.id, "ann", "test customer, never real")
    synced.run(run_id="run-2", full_refresh=True)

    kept = book.get(entry.id)
    assert kept.status == DISCARDED and kept.seen_count == 2
    assert kept.history[-1] | {"at": None} == {
        "at": None, "actor": "ann", "action": "discard", "reason": "test customer, never real"
    }
    assert RecordKey("erp", entry.source_id) not in synced.store.golden.membership()
    assert entry.id not in {e.id for e in book.entries()}  # the open list
    assert entry.id in {e.id for e in book.entries(status=DISCARDED)}
