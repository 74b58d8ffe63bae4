"""bench.peak_rss: the hub's peak memory, sampled from a process of its own."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from bench.peak_rss import PeakRSS

MB = 2**20
_CHILD = "x = bytearray(160 * 2**20)\nfor i in range(0, len(x), 4096): x[i] = 1\nimport time; time.sleep(1.0)"


def _touched(megabytes: int) -> bytearray:
    block = bytearray(megabytes * MB)
    for at in range(0, len(block), 4096):
        block[at] = 1
    return block


def test_the_peak_counts_this_process_and_what_it_starts_and_adds_no_thread():
    with PeakRSS() as quiet:
        time.sleep(0.4)
    threads = threading.active_count()
    with PeakRSS() as busy:
        held = _touched(200)
        assert threading.active_count() == threads  # matching's pool still forks (start_method)
        time.sleep(0.4)
    del held
    with PeakRSS() as child:
        subprocess.run([sys.executable, "-c", _CHILD], check=True)
    assert busy.mb - quiet.mb >= 180
    assert child.mb - quiet.mb >= 140
