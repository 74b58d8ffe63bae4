"""On SQLite a write waits for another connection's write transaction for the store's ``lock_wait``
(``HubStore(lock_wait=...)``): a step run beside the match (a source's orders, pulled aside) waits for
the golden-record write, one transaction that outlasts the default 30 s at a million records."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hub.store import HubStore


def _hold_the_writer(url: str, seconds: float, holding: threading.Event) -> None:
    store = HubStore(url)
    try:
        with store.engine.begin() as connection:  # a write transaction, as the golden write's
            connection.execute(
                text(
                    "INSERT INTO sync_cursors (source, stream, cursor, updated_at) "
                    "VALUES ('held', 'customers', 'x', CURRENT_TIMESTAMP)"
                )
            )
            holding.set()
            time.sleep(seconds)
    finally:
        store.close()


def _write(store: HubStore) -> None:
    store.staging.set_cursor("patient", "1", stream="customers")


@pytest.mark.parametrize("lock_wait, waits", [(0.2, False), (20.0, True)])
def test_a_write_waits_for_another_writer_as_long_as_the_store_says(tmp_path, lock_wait, waits):
    url = f"sqlite:///{tmp_path}/hub.db"
    HubStore(url, upgrade=True).close()
    holding = threading.Event()
    holder = threading.Thread(target=_hold_the_writer, args=(url, 1.5, holding))
    holder.start()
    store = HubStore(url, lock_wait=lock_wait)
    try:
        assert holding.wait(10)
        started = time.monotonic()
        if waits:
            _write(store)  # goes through once the other transaction commits
            assert time.monotonic() - started >= 0.5
            assert store.staging.get_cursor("patient") == "1"
        else:
            with pytest.raises(OperationalError, match="database is locked"):
                _write(store)
    finally:
        holder.join()
        store.close()
