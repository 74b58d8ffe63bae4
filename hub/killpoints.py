"""Named crash points for reliability tests: ``CRMHUB_KILL_AT=<point>[:<n>]`` SIGKILLs the process the
n-th time (default first) it reaches ``<point>``.

``CRMHUB_PAUSE_AT=<point>`` with ``CRMHUB_PAUSE_FILE=<path>`` instead holds the process there: it
creates ``<path>.waiting`` and goes on once ``<path>.go`` exists (races between processes, made exact).

Why a hook instead of killing by time alone: a timed kill rarely lands in the narrow windows that
matter most (a page fetched but not stored, a push sent but not recorded). Unset (production), a
checkpoint is one environment lookup.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

KILL_ENV = "CRMHUB_KILL_AT"
PAUSE_ENV, PAUSE_FILE_ENV = "CRMHUB_PAUSE_AT", "CRMHUB_PAUSE_FILE"
PAUSE_LIMIT = 120.0  # seconds: a test that never releases the pause must not hang forever
#: The points the pipeline passes, in the order a run reaches them.
POINTS = (
    "extract.fetched",  # a page pulled from the source, not stored yet
    "extract.staged",  # a page and its cursor committed
    "match.computed",  # clusters computed, golden records not saved yet
    "publish.before_push",  # updates prepared, nothing sent
    "publish.pushed",  # the source has the updates, the hub has not recorded them
)
_reached: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    if os.environ.get(PAUSE_ENV) == name:
        _pause(Path(os.environ[PAUSE_FILE_ENV]))
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def _pause(flag: Path) -> None:
    flag.with_suffix(".waiting").touch()
    deadline = time.monotonic() + PAUSE_LIMIT
    while not flag.with_suffix(".go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
