"""The hub's peak memory while a block runs, sampled by a process of its own (``PeakRSS``).

Not a thread of the measured process: matching's normalising pool forks only where its process runs no
other thread (``matching.parallel.start_method``), and a sampling thread would have sent every
benchmarked sync to the slower fork server. Run as ``python -m bench.peak_rss ROOT [PID ...]`` it
samples until its standard input closes, then prints the peak in MB.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Seconds between samples: every tenth of a second the sampler took 9 s of CPU in a 100 s sync
#: (reading ``smaps_rollup`` walks a process's page tables), competing with the hub for two cores.
INTERVAL = 0.2


class PeakRSS:
    """The hub's largest memory while the block runs, sampled every ``INTERVAL`` seconds: the resident
    set of the hub process and, as proportional set sizes (shared pages split between their sharers),
    of every process it started during the block -- the match's normalising pool, the sources' workers
    (``hub.source_workers``). Processes already running when the block starts (the local systems) are
    not the hub's. Pages a worker shares with the hub count in both, halved in the worker: an upper
    bound. (The process-wide ``ru_maxrss`` only ever grows: each later run repeated the full
    sync's peak.)"""

    def __init__(self) -> None:
        self.mb = 0
        self._sampler: subprocess.Popen[str] | None = None

    def __enter__(self) -> PeakRSS:
        before = [str(pid) for pid in descendants(os.getpid())]
        self._sampler = subprocess.Popen(
            [sys.executable, "-m", "bench.peak_rss", str(os.getpid()), *before],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._sampler is not None
        out, _ = self._sampler.communicate("")  # its input closes: it stops and prints the peak
        self.mb = int(out)


def sample(root: int, leave_out: Collection[int]) -> int:
    """Sample ``root`` and its new descendants until standard input closes; the peak in MB."""
    peak = 0
    while True:
        hub_kb = _rss_kb(root)
        if hub_kb is None:  # the hub ended
            return peak
        rss = hub_kb // 1024
        workers = descendants(root, leave_out)
        # a process's PSS is at most its RSS, which is cheap to read: PSS only when the peak may move
        if rss + sum(_rss_kb(pid) or 0 for pid in workers) // 1024 > peak:
            peak = max(peak, rss + sum(_pss_kb(pid) for pid in workers) // 1024)
        if select.select([sys.stdin], [], [], INTERVAL)[0]:
            return peak


def descendants(root: int, leave_out: Collection[int] = ()) -> list[int]:
    """The processes under ``root`` (children, their children, ...), without ``leave_out`` and theirs."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(stat.read().rsplit(")", 1)[1].split()[1])].append(int(entry))
            except OSError:  # ended meanwhile
                continue
    found, stack = [], list(parents.get(root, []))
    while stack:
        pid = stack.pop()
        if pid not in leave_out:
            found.append(pid)
            stack.extend(parents.get(pid, []))
    return found


def _rss_kb(pid: int) -> int | None:
    """The resident set of ``pid`` in KB, ``None`` once it has ended."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return None


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:  # ended meanwhile
        return 0


if __name__ == "__main__":
    root, *before = (int(arg) for arg in sys.argv[1:])
    print(sample(root, {*before, os.getpid()}))
