"""bench.sync counts the hub's CPU in processes that outlive a run (the fork server and the source
workers it starts) and keeps the local systems' CPU apart."""

from __future__ import annotations

import subprocess
import sys

from bench.sync import _cpu_seconds

#: About half a second of CPU, whatever the machine's load.
BURN = "sum(range(20_000_000))"
#: A process that stays, like the fork server, and runs one worker to its end, then says so.
SERVER = (
    "import subprocess, sys, time\n"
    f"subprocess.run([sys.executable, '-c', {BURN!r}], check=True)\n"
    "print('done', flush=True)\n"
    "time.sleep(60)\n"
)


def _burn_seconds() -> float:
    before = _cpu_seconds(None)[0]
    subprocess.run([sys.executable, "-c", BURN], check=True)
    return _cpu_seconds(None)[0] - before


def test_a_worker_of_a_process_that_stays_counts_for_the_hub():
    alone = _burn_seconds()  # an ended child: counted in any case
    before, _ = _cpu_seconds(None)
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "done"
        after, _ = _cpu_seconds(None)
    finally:
        server.kill()
        server.wait()
    assert alone > 0.2
    assert after - before >= 0.8 * alone  # the worker's CPU, though its parent still runs


def test_the_systems_process_counts_apart():
    systems = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        hub_before, systems_before = _cpu_seconds(systems.pid)
        assert systems.stdout is not None and systems.stdout.readline().strip() == "done"
        hub_after, systems_after = _cpu_seconds(systems.pid)
    finally:
        systems.kill()
        systems.wait()
    assert systems_after - systems_before > 0.2
    assert hub_after - hub_before < systems_after - systems_before
