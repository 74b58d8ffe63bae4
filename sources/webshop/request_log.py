"""The requests the local web shop answered, so tests and the benchmark can count what a sync asked
the shop for (a skipped scan must read no page) -- counted where a real shop's access log would."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

#: Only the latest requests are kept: ``crmhub sources serve`` may run for days.
KEPT = 100_000


@dataclass(frozen=True)
class ApiRequest:
    """One request: method, path and query parameters (OAuth's per-request ones left out)."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)


class RequestLog:
    def __init__(self, kept: int = KEPT) -> None:
        self._seen: deque[ApiRequest] = deque(maxlen=kept)
        self._lock = threading.Lock()

    def add(self, method: str, path: str, params: dict[str, str]) -> None:
        kept = {k: v for k, v in params.items() if not k.startswith("oauth_")}
        with self._lock:
            self._seen.append(ApiRequest(method, path, kept))

    def seen(self) -> list[ApiRequest]:
        with self._lock:
            return list(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
