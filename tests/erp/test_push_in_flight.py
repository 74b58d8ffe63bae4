"""With option ``push_concurrency`` the ERP push keeps several chunks of 100 in flight (the 100k sync's
ERP publish took 27 s wall for ~7 s of hub and ~10 s of server CPU: one waited for the other). The
result and what the ERP holds afterwards are those of one chunk after another, failures, parked
values and a chunk pushed one by one after its bulk call failed included; and the server really
answers several calls at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loopback import InFlight

from connectors.base import PushResult, PushUpdate
from sources.erp import ErpSystem
from sources.serve import RunningServer, serve_in_thread

SEEDED = [f"{5000 + n:010d}" for n in range(330)]
LONG_TAX_ID = "BG 831 826 092 0001"  # 19 characters, STCD1 takes 16: parked
#: Not a customer number (10 digits): the server refuses its chunk's GetCustomers as a whole.
MALFORMED_ID = "12345"
#: Only the change stamps may differ: they record when each write happened.
STAMPS = {"AEDAT", "AEZET", "CHANGED_AT"}


def _updates() -> list[PushUpdate]:
    updates = [PushUpdate(sid, f"G-{sid}", {"city": f"City {n % 7}"}) for n, sid in enumerate(SEEDED)]
    updates[10] = PushUpdate("0000009999", "G-none", {})  # no such customer
    updates[150] = PushUpdate(SEEDED[150], "G-long", {"tax_id": LONG_TAX_ID})
    updates.insert(310, PushUpdate(MALFORMED_ID, "G-bad", {}))  # the last chunk goes one by one
    return updates


@contextmanager
def _erp(folder: Path) -> Iterator[tuple[ErpSystem, RunningServer, InFlight]]:
    system = ErpSystem(folder)
    system.seed([{"source_system": "erp", "source_id": sid.lstrip("0"), "record_type": "person",
                  "given_name": f"Given{n}", "family_name": f"Family{n}", "country": "DE",
                  "updated_at": "2024-03-01T08:00:00Z"} for n, sid in enumerate(SEEDED)])
    system.store.block(SEEDED[40], anonymize=False)  # GetCustomers lists it as blocked
    watched = InFlight(system.app(), latency=0.01)
    server = serve_in_thread(watched)
    try:
        yield system, server, watched
    finally:
        server.stop()


def _push(folder: Path, connector_for, concurrency: int) -> tuple[PushResult, dict[str, dict], int]:
    """The push's result, every customer afterwards without its change stamps, and the most calls the
    server answered at once."""
    with _erp(folder) as (system, server, watched):
        result = connector_for(system, server, push_concurrency=concurrency).push(_updates())
        stored = {sid: {k: v for k, v in (system.store.get(sid) or {}).items() if k not in STAMPS}
                  for sid in SEEDED}
        return result, stored, watched.peak


def test_chunks_in_flight_give_the_result_and_state_of_one_after_another(tmp_path, erp_connector_for):
    one, stored_one, peak_one = _push(tmp_path / "one", erp_connector_for, 1)
    four, stored_four, peak_four = _push(tmp_path / "four", erp_connector_for, 4)

    assert four.pushed == one.pushed
    assert list(four.failed.items()) == list(one.failed.items())
    assert list(four.parked.items()) == list(one.parked.items())
    assert stored_four == stored_one
    assert peak_one == 1 and 1 < peak_four <= 4  # one after another vs. chunks answered at once

    # what both pushes did: each failure its own record's, the long value parked, the rest written
    assert list(one.failed) == ["0000009999", SEEDED[40], MALFORMED_ID]
    assert "CUSTOMER_NOT_FOUND" in one.failed["0000009999"] and "CUSTOMER_BLOCKED" in one.failed[SEEDED[40]]
    assert "SCHEMA_VIOLATION" in one.failed[MALFORMED_ID]
    assert list(one.parked) == [SEEDED[150]] and SEEDED[150] in one.pushed
    assert len(one.pushed) == len(SEEDED) - 2  # not SEEDED[10] (not in the updates), nor the blocked one
    assert stored_one[SEEDED[300]]["ZZ_GOLDEN_ID"] == f"G-{SEEDED[300]}"  # pushed one by one
    assert stored_one[SEEDED[150]]["ZZ_GOLDEN_ID"] == "G-long" and not stored_one[SEEDED[150]]["STCD1"]
