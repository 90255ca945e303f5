"""Limits of the service itself (the analysis settings stay in ``models/config.toml``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSettings:
    """Request body size, batch size, how long a verified key is trusted before the store is asked again, each
    key's request budget (``rate_per_second`` on average, ``rate_burst`` at once; 0 per second turns it off), the
    ``Retry-After`` seconds sent while the store is away, full or read-only, and how long a write cut by a store
    restart waits before its one retry (a PostgreSQL fast restart takes about a second)."""

    max_body_bytes: int = 2 * 1024 * 1024
    max_batch: int = 500
    key_cache_seconds: float = 30.0
    rate_per_second: float = 30.0
    rate_burst: int = 120
    store_retry_after: int = 2
    store_retry_pause: float = 1.0
