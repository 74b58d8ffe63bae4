"""bench.sync counts the hub's CPU in processes that outlive a run (the fork server and the source
workers it starts) and keeps the local systems' CPU apart."""

from __future__ import annotations

import subprocess
import sys

from bench.sync import _cpu_seconds

#: About half a second of CPU, whatever the machine's load; prints the CPU seconds it took, as the
#: kernel counts them (on a busy machine the same work takes more or less of them from run to run).
BURN = "import os; sum(range(20_000_000)); t = os.times(); print(t.user + t.system)"
#: A process that stays, like the fork server, and runs one worker to its end, then says so and
#: what the worker took.
SERVER = (
    "import subprocess, sys, time\n"
    f"burnt = subprocess.run([sys.executable, '-c', {BURN!r}], check=True, capture_output=True, text=True)\n"
    "print('done', burnt.stdout.strip(), flush=True)\n"
    "time.sleep(60)\n"
)


def _worker_seconds(server: subprocess.Popen[str]) -> float:
    """Waits for ``server``'s worker to end; the CPU seconds it took."""
    assert server.stdout is not None
    said, seconds = server.stdout.readline().split()
    assert said == "done"
    return float(seconds)


def test_a_worker_of_a_process_that_stays_counts_for_the_hub():
    before, _ = _cpu_seconds(None)
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        worker = _worker_seconds(server)
        after, _ = _cpu_seconds(None)
    finally:
        server.kill()
        server.wait()
    assert worker > 0.2
    # the worker's CPU (one clock tick of rounding), though its parent still runs
    assert after - before >= worker - 0.02


def test_the_systems_process_counts_apart():
    systems = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        hub_before, systems_before = _cpu_seconds(systems.pid)
        _worker_seconds(systems)
        hub_after, systems_after = _cpu_seconds(systems.pid)
    finally:
        systems.kill()
        systems.wait()
    assert systems_after - systems_before > 0.2
    assert hub_after - hub_before < systems_after - systems_before
