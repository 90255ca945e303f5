"""Per-key rate limiting: one token bucket per API key, so one runaway client cannot starve the others.

A key may send ``burst`` requests at once and ``per_second`` on average after that; a request over the budget is
answered 429 with ``Retry-After`` (whole seconds until the next request would be let through). Buckets live in the
process: a restart forgives everyone, which is the right side to err on for a single-process service.
"""
from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Token buckets by key id. ``per_second <= 0`` turns limiting off."""

    def __init__(self, per_second: float, burst: int, clock=time.monotonic):
        self.per_second = per_second
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, when they were counted)
        self._lock = threading.Lock()

    def retry_after(self, key_id: str) -> int:
        """Take one request from the key's budget: 0 when it may go ahead, else the seconds to wait (at least 1)."""
        if self.per_second <= 0:
            return 0
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0
            self._buckets[key_id] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self.per_second))
