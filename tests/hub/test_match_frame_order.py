"""The matcher's input does not depend on the order sources were stored in: its clusters depend on row
order, and Celery workers extract sources in parallel, interleaving their inserts differently each run."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.store import HubStore
from schemas import CustomerRecord


def _records(system: str, ids: list[str]) -> list[CustomerRecord]:
    return [
        CustomerRecord(
            source_system=system,
            source_id=source_id,
            given_name=f"Name{source_id}",
            family_name="Petrov",
            country="BG",
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for source_id in ids
    ]


def test_match_frame_is_in_key_order_whatever_order_the_sources_were_stored_in(store_url):
    store = HubStore(store_url, upgrade=True)
    try:
        # as two workers interleave their extracts: neither source nor id order
        for system, ids in [("webshop", ["b"]), ("erp", ["3", "1"]), ("webshop", ["a"]), ("erp", ["2"])]:
            store.staging.stage_page(system, _records(system, ids), [], cursor=None)
        frame = store.staging.load_match_frame()
    finally:
        store.close()
    keys = list(zip(frame["source_system"], frame["source_id"], strict=True))
    assert keys == [("erp", "1"), ("erp", "2"), ("erp", "3"), ("webshop", "a"), ("webshop", "b")]
