"""A publish's bookkeeping of parked pushes: the pushed records' old entries go (of that source only),
the records not pushed keep theirs, and the newly parked come."""

from __future__ import annotations

from hub.parked_pushes import ParkedPushes
from hub.store import HubStore


def test_only_the_pushed_records_of_the_source_leave_the_list(store_url):
    store = HubStore(store_url, upgrade=True)
    try:
        parked = ParkedPushes(store)
        too_long = "STCD1 has 17 characters, the field takes 16: not sent"
        ids = {sid: f"G-{sid}" for sid in ("1", "2", "3")}
        parked.record("erp", ["1", "2", "3"], dict.fromkeys(["1", "2", "3"], too_long), ids, run_id="r1")
        parked.record("legacy_db", ["1"], {"1": "name too long"}, {"1": "G-x"}, run_id="r1")
        # the next publish pushes 1 whole, parks 2 again (another reason) and does not push 3
        parked.record("erp", ["1", "2", *map(str, range(10, 2_000))], {"2": "changed"}, ids, run_id="r2")
        left = {(p.source_system, p.source_id, p.reason, p.run_id) for p in parked.list()}
        assert left == {
            ("erp", "2", "changed", "r2"),
            ("erp", "3", too_long, "r1"),
            ("legacy_db", "1", "name too long", "r1"),
        }
    finally:
        store.close()
