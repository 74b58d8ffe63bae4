"""Fault injection for tests and demos: make the next N requests fail the way real ERPs fail.

Counters are consumed one per request, so a test can say "the next two calls get 503" and then check
that the connector's retries absorbed exactly those failures.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields

from pydantic import BaseModel, ConfigDict, Field


class FaultSettings(BaseModel):
    """Body of ``POST /admin/faults``: how many upcoming requests fail in each way."""

    model_config = ConfigDict(extra="forbid")

    http_503: int = Field(default=0, ge=0, description="answer 503 Service Unavailable")
    http_429: int = Field(default=0, ge=0, description="answer 429 Too Many Requests with Retry-After")
    soap_transient: int = Field(default=0, ge=0, description="answer a SOAP Server fault marked transient")
    malformed: int = Field(default=0, ge=0, description="corrupt the e-mail of one customer per page")
    retry_after: int = Field(default=1, ge=0, le=60, description="seconds in the 429 Retry-After header")


@dataclass
class FaultPlan:
    http_503: int = 0
    http_429: int = 0
    soap_transient: int = 0
    malformed: int = 0
    retry_after: int = 1
    #: How many faults of each kind were actually served (tests assert on these).
    served: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(self, settings: FaultSettings) -> None:
        with self._lock:
            for name, value in settings.model_dump().items():
                setattr(self, name, value)

    def take(self, kind: str) -> bool:
        """Consume one fault of ``kind`` if any is armed."""
        with self._lock:
            left = getattr(self, kind)
            if left <= 0:
                return False
            setattr(self, kind, left - 1)
            self.served[kind] = self.served.get(kind, 0) + 1
            return True

    def state(self) -> dict[str, object]:
        with self._lock:
            counts = {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
            return {**counts, "served": dict(self.served)}
