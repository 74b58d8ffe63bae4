"""Fault injection for the local web shop, so tests and the demo can prove the connector's resilience.

Each fault is a counter of upcoming API requests it applies to; it is consumed as requests arrive.
Set them in-process (``system.faults.fail_next(2)``) or over HTTP (``POST /_admin/faults``).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

#: What a malformed record looks like: a value that no e-mail validator accepts.
MALFORMED_EMAIL = "not-an-e-mail"


@dataclass
class FaultPlan:
    fail: int = 0  # answer the next N requests with ``fail_status``
    fail_status: int = 503
    throttle: int = 0  # answer the next N requests with 429 and Retry-After
    retry_after: int = 1
    malformed: int = 0  # corrupt one record's e-mail in each of the next N customer lists
    truncate: int = 0  # cut the JSON body of the next N customer lists in half


class Faults:
    def __init__(self) -> None:
        self._plan = FaultPlan()
        self._lock = threading.Lock()

    def fail_next(self, count: int, status: int = 503) -> None:
        self.update(fail=count, fail_status=status)

    def throttle_next(self, count: int, retry_after: int = 1) -> None:
        self.update(throttle=count, retry_after=retry_after)

    def malform_next(self, count: int = 1) -> None:
        self.update(malformed=count)

    def truncate_next(self, count: int = 1) -> None:
        self.update(truncate=count)

    def update(self, **changes: int) -> FaultPlan:
        with self._lock:
            for key, value in changes.items():
                if not hasattr(self._plan, key):
                    raise ValueError(f"unknown fault {key!r}; known: {', '.join(asdict(self._plan))}")
                setattr(self._plan, key, int(value))
            return FaultPlan(**asdict(self._plan))

    def clear(self) -> None:
        with self._lock:
            self._plan = FaultPlan()

    def take_error(self) -> tuple[int, dict[str, str]] | None:
        """The error status (and headers) this request must get, consuming one injected fault."""
        with self._lock:
            if self._plan.fail > 0:
                self._plan.fail -= 1
                return self._plan.fail_status, {}
            if self._plan.throttle > 0:
                self._plan.throttle -= 1
                return 429, {"Retry-After": str(self._plan.retry_after)}
        return None

    def take(self, name: str) -> bool:
        """Consume one ``malformed``/``truncate`` fault if armed."""
        with self._lock:
            if getattr(self._plan, name) > 0:
                setattr(self._plan, name, getattr(self._plan, name) - 1)
                return True
        return False
