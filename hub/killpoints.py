"""Named crash points for reliability tests: ``CRMHUB_KILL_AT=<point>[:<n>]`` SIGKILLs the process the
n-th time (default first) it reaches ``<point>``.

``CRMHUB_PAUSE_AT=<point>`` with ``CRMHUB_PAUSE_FILE=<path>`` instead holds the process there: it
creates ``<path>.waiting`` and goes on once ``<path>.go`` exists (races between processes, made exact).

Why a hook instead of killing by time alone: a timed kill rarely lands in the narrow windows that
matter most (a page fetched but not stored, a push sent but not recorded). Unset (production), a
checkpoint is one environment lookup.

A sync that runs its sources in worker processes (:mod:`hub.source_workers`) is killed as a whole: a
worker that reaches the point kills the sync's process and itself (the other workers die with the
sync), and ``:n`` counts the reaches of the sync and its workers together.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

KILL_ENV = "CRMHUB_KILL_AT"
PAUSE_ENV, PAUSE_FILE_ENV = "CRMHUB_PAUSE_AT", "CRMHUB_PAUSE_FILE"
PAUSE_LIMIT = 120.0  # seconds: a test that never releases the pause must not hang forever
#: The points the pipeline passes, in the order a run reaches them.
POINTS = (
    "extract.fetched",  # a page pulled from the source, not stored yet
    "extract.staged",  # a page and its cursor committed
    "orders.staged",  # a page of orders and their cursor committed
    "match.computed",  # clusters computed, golden records not saved yet
    "publish.before_push",  # updates prepared, nothing sent
    "publish.pushed",  # the source has the updates, the hub has not recorded them
)
_reached: Counter[str] = Counter()
#: With a kill point set: the reaches counted in memory shared with the sync's workers (created for the
#: start method ``hub.source_workers`` uses, which they are handed to).
_shared: dict[str, Any] = (
    {point: multiprocessing.get_context("forkserver").Value("i", 0) for point in POINTS}
    if os.environ.get(KILL_ENV)
    else {}
)
#: The sync's process, when this one is a worker of it (``part_of``).
_sync_pid: int | None = None


def shared_counts() -> dict[str, Any]:
    """The counts to hand to a worker of this sync (see ``part_of``)."""
    return _shared


def part_of(sync_pid: int, counts: dict[str, Any]) -> None:
    """This process is a worker of the sync running in ``sync_pid``: a kill here kills that too, and
    ``:n`` counts this process's reaches with the sync's (``counts``: the sync's ``shared_counts``)."""
    global _sync_pid, _shared
    _sync_pid, _shared = sync_pid, counts


def checkpoint(name: str) -> None:
    if os.environ.get(PAUSE_ENV) == name:
        _pause(Path(os.environ[PAUSE_FILE_ENV]))
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    shared = _shared.get(name)
    if shared is None:
        _reached[name] += 1
        reached = _reached[name]
    else:
        with shared.get_lock():
            shared.value += 1
            reached = shared.value
    if reached >= int(nth or 1):
        if _sync_pid is not None:
            os.kill(_sync_pid, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


def _pause(flag: Path) -> None:
    flag.with_suffix(".waiting").touch()
    deadline = time.monotonic() + PAUSE_LIMIT
    while not flag.with_suffix(".go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
