"""``crmhub sources serve --latency-ms``: each local system answers late, as across a WAN, without
serialising the requests in flight (the wait must not hold the server's event loop)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from sources.run import start_local_sources

LATENCY = 0.5


def _timed_get(url: str) -> tuple[int, float]:
    began = time.monotonic()
    status = requests.get(url, timeout=30).status_code
    return status, time.monotonic() - began


def test_each_answer_waits_and_requests_in_flight_still_overlap(tmp_path):
    local = start_local_sources(tmp_path / "sources", records=20, latency=LATENCY)
    try:
        url = f"{local.servers['webshop'].url}/wp-json/wc/v3/customers"
        began = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(_timed_get, [url] * 4))
        together = time.monotonic() - began
    finally:
        local.stop()

    assert {status for status, _ in answers} == {401}  # answered (no credentials), not lost
    assert min(seconds for _, seconds in answers) >= LATENCY
    assert together < 3 * LATENCY  # one after another would take 4 * LATENCY


def test_no_latency_is_loopback_speed(tmp_path):
    local = start_local_sources(tmp_path / "sources", records=20)
    try:
        _, seconds = _timed_get(f"{local.servers['webshop'].url}/wp-json/wc/v3/customers")
    finally:
        local.stop()
    assert seconds < LATENCY
