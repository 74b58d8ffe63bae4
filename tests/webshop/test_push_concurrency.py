"""With option ``push_concurrency`` the web shop push keeps several batches of 100 in flight, each on
its thread's own session: the same result and the same customers afterwards as one batch after
another, calls the shop really answers at once, one rate limit over all threads, and a batch whose
call fails still ends the push with its error."""

from __future__ import annotations

import time

import pytest
from loopback import Served

from connectors.base import ConnectorError, PushResult, PushUpdate

CUSTOMERS = 350
#: Only when each write happened may differ.
STAMPS = {"date_modified", "date_modified_gmt"}


def _updates() -> list[PushUpdate]:
    updates = [PushUpdate(str(i), f"G-{i}", {"city": f"City {i % 7}"}) for i in range(1, CUSTOMERS + 1)]
    updates[20] = PushUpdate("ABC", "G-abc", {})  # not a customer id: fails before any batch
    updates[120] = PushUpdate("99999", "G-none", {})  # no such customer
    updates[220] = PushUpdate("221", "G-221", {"emails": ["not valid"]})  # the shop refuses this item
    return updates


@pytest.fixture
def start_shop(make_shop, flat_row):
    """``start_shop(latency)``: a shop of ``CUSTOMERS`` customers, the first 30 in the pushed state
    already, counting the calls it answers at once."""

    def start(latency: float = 0.01) -> Served:
        shop = make_shop([flat_row(i, "2024-03-01T00:00:00Z", given_name=f"Kunde{i}", family_name="Parallel",
                                   email=f"k{i}@example.de", country="DE") for i in range(1, CUSTOMERS + 1)],
                         latency=latency)
        shop.connector(push_concurrency=1).push(_updates()[:30])
        shop.in_flight.peak = 0
        return shop

    return start


def _push(shop: Served, concurrency: int) -> tuple[PushResult, dict[str, dict], int]:
    """The push's result, every customer afterwards without its change dates, and the most calls the
    shop answered at once."""
    result = shop.connector(push_concurrency=concurrency).push(_updates())
    stored = {str(i): {k: v for k, v in (shop.system.inspect(str(i)) or {}).items() if k not in STAMPS}
              for i in range(1, CUSTOMERS + 1)}
    return result, stored, shop.in_flight.peak


def test_batches_in_flight_give_the_result_and_state_of_one_after_another(start_shop):
    one, stored_one, peak_one = _push(start_shop(), 1)
    four, stored_four, peak_four = _push(start_shop(), 4)

    assert four.pushed == one.pushed
    assert list(four.failed.items()) == list(one.failed.items())
    assert four.parked == one.parked == {}
    assert stored_four == stored_one
    assert peak_one == 1 and 1 < peak_four <= 4  # one after another vs. batches answered at once

    assert list(one.failed) == ["ABC", "99999", "221"]
    assert "Invalid parameter(s): email" in one.failed["221"]
    assert len(one.pushed) == CUSTOMERS - 3
    assert one.pushed[:29] == [str(i) for i in range(1, 31) if i != 21]  # pushed already: first
    assert stored_one["350"]["golden_id"] == "G-350" and stored_one["350"]["billing"]["city"] == "City 0"


def test_the_rate_limit_counts_the_calls_of_every_thread(start_shop):
    """Eight calls (four batches, GET and POST each: the updates write a field) at four a second take
    1.75 s however many threads send them; a limiter per thread would let four threads through in 0.25 s."""
    connector = start_shop(latency=0).connector(push_concurrency=4, rate_limit=4)
    started = time.monotonic()
    result = connector.push([PushUpdate(str(i), f"R-{i}", {"city": "Rate"}) for i in range(1, CUSTOMERS + 1)])
    assert len(result.pushed) == CUSTOMERS
    assert time.monotonic() - started >= 1.7


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_batch_whose_call_fails_ends_the_push_with_its_error(start_shop, concurrency):
    shop = start_shop()
    shop.system.faults.fail_next(1, status=400)  # not retried: the call fails
    with pytest.raises(ConnectorError, match="HTTP 400"):
        shop.connector(push_concurrency=concurrency).push(_updates())
