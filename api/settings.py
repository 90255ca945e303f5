"""Limits of the service itself (the analysis settings stay in ``models/config.toml``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSettings:
    """Request body size, batch size and how long a verified key is trusted before the store is asked again."""

    max_body_bytes: int = 2 * 1024 * 1024
    max_batch: int = 500
    key_cache_seconds: float = 30.0
