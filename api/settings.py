"""Limits of the service itself (the analysis settings stay in ``models/config.toml``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSettings:
    """Request body size, batch size, how long a verified key is trusted before the store is asked again, and each
    key's request budget (``rate_per_second`` on average, ``rate_burst`` at once; 0 per second turns it off)."""

    max_body_bytes: int = 2 * 1024 * 1024
    max_batch: int = 500
    key_cache_seconds: float = 30.0
    rate_per_second: float = 30.0
    rate_burst: int = 120
