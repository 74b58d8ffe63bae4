"""Named crash points for reliability tests: ``CRMHUB_KILL_AT=<point>[:<n>]`` SIGKILLs the process the
n-th time (default first) it reaches ``<point>``.

Why a hook instead of killing by time alone: a timed kill rarely lands in the narrow windows that
matter most (a page fetched but not stored, a push sent but not recorded). Unset (production), a
checkpoint is one environment lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_ENV = "CRMHUB_KILL_AT"
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
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
