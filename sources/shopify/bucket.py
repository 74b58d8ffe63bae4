"""Shopify's REST rate limit: a leaky bucket per access token (40 requests, leaking 2 per second).

Every request drops one marble in; the bucket leaks continuously. A request that would overflow it gets
HTTP 429 with ``Retry-After`` in seconds as a decimal (Shopify sends ``2.0``), and every answer carries
``X-Shopify-Shop-Api-Call-Limit: <used>/<size>`` so clients can slow down before hitting the limit.
"""

from __future__ import annotations

import math
import threading
import time


class LeakyBucket:
    def __init__(self, size: int = 40, leak_per_second: float = 2.0):
        self.size, self.leak = size, leak_per_second
        self._levels: dict[str, tuple[float, float]] = {}  # token -> (level, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> tuple[bool, str, float]:
        """``(allowed, call_limit_header, retry_after_seconds)`` for one request of ``key``."""
        with self._lock:
            now = time.monotonic()
            level, at = self._levels.get(key, (0.0, now))
            level = max(0.0, level - (now - at) * self.leak)
            if level + 1 > self.size:
                self._levels[key] = (level, now)
                wait = (level + 1 - self.size) / self.leak
                return False, f"{math.ceil(level)}/{self.size}", max(wait, 0.1)
            level += 1
            self._levels[key] = (level, now)
            return True, f"{math.ceil(level)}/{self.size}", 0.0
