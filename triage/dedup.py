"""Duplicate linking: reposts of an earlier suggestion point to it and never count twice downstream.

Two tiers, both without embeddings so they run before any model: an exact key on the punctuation-free text, then
near duplicates by MinHash over character shingles with locality-sensitive hashing, verified by the true Jaccard
similarity. The linker is incremental: ``add`` files one suggestion at a time, which is how the service sees them,
and a batch is the same thing in submission-time order. Only originals are ever registered, so ``duplicate_of``
always names an original, never another repost.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from .records import Suggestion

_NON_WORD = re.compile(r"[\W_]+")
_PRIME = np.uint64((1 << 61) - 1)


class DuplicateLinker:
    """Finds exact and near-duplicate reposts among the suggestions added so far."""

    def __init__(self, threshold: float = 0.85, shingle: int = 4, bands: int = 16, rows: int = 4,
                 min_chars: int = 12, seed: int = 7):
        self.threshold = threshold
        self.shingle = shingle
        self.bands = bands
        self.rows = rows
        self.min_chars = min_chars
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, int(_PRIME), size=bands * rows, dtype=np.uint64)
        self._b = rng.integers(0, int(_PRIME), size=bands * rows, dtype=np.uint64)
        self._by_key: dict[str, str] = {}
        self._leaders: dict[tuple[int, bytes], str] = {}
        # Sorted shingle hashes of each original: 8 bytes a shingle, where a Python set would take ten times that.
        self._shingles: dict[str, np.ndarray] = {}

    @staticmethod
    def _key(suggestion: Suggestion) -> str:
        return _NON_WORD.sub("", f"{suggestion.title}{suggestion.body}").lower()

    def _signature(self, key: str) -> tuple[np.ndarray, list[tuple[int, bytes]]]:
        grams = {key[i:i + self.shingle] for i in range(max(1, len(key) - self.shingle + 1))}
        codes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64, count=len(grams))
        # (a*x + b) wraps modulo 2**64 before the mod p; the result is still a fixed random hash per permutation,
        # which is all MinHash needs.
        signature = ((codes[:, None] * self._a[None, :] + self._b[None, :]) % _PRIME).min(axis=0)
        buckets = [(band, signature[band * self.rows:(band + 1) * self.rows].tobytes()) for band in range(self.bands)]
        return np.unique(codes), buckets

    def find(self, suggestion: Suggestion) -> str | None:
        """The id of the original this suggestion repeats, or ``None``; registers nothing."""
        return self._match(self._key(suggestion))[0]

    def _match(self, key: str) -> tuple[str | None, tuple[np.ndarray, list[tuple[int, bytes]]] | None]:
        """The original a text key repeats, and the key's signature when one was computed (so ``add`` can file it
        without computing it again)."""
        if not key:
            return None, None
        if key in self._by_key:
            return self._by_key[key], None
        if len(key) < self.min_chars:
            return None, None
        signature = self._signature(key)
        shingles, buckets = signature
        for bucket in buckets:
            leader = self._leaders.get(bucket)
            if leader is not None and self._jaccard(shingles, self._shingles[leader]) >= self.threshold:
                return leader, signature
        return None, signature

    def add(self, suggestion: Suggestion) -> str | None:
        """Like ``find``, and registers the suggestion as an original when it repeats nothing."""
        key = self._key(suggestion)
        original, signature = self._match(key)
        if original is None:
            self._file(suggestion.id, key, signature)
        return original

    def register(self, suggestion: Suggestion) -> None:
        """File a suggestion already known to be an original (restoring saved state), without matching it."""
        self._file(suggestion.id, self._key(suggestion), None)

    def _file(self, suggestion_id: str, key: str,
              signature: tuple[np.ndarray, list[tuple[int, bytes]]] | None) -> None:
        if not key:
            return
        self._by_key.setdefault(key, suggestion_id)
        if len(key) >= self.min_chars:
            shingles, buckets = signature or self._signature(key)
            self._shingles[suggestion_id] = shingles
            for bucket in buckets:
                self._leaders.setdefault(bucket, suggestion_id)

    @staticmethod
    def _jaccard(x: np.ndarray, y: np.ndarray) -> float:
        shared = len(np.intersect1d(x, y, assume_unique=True))
        return shared / (len(x) + len(y) - shared) if len(x) or len(y) else 0.0


def linker_from_config(config: dict) -> DuplicateLinker:
    section = config.get("dedup", {})
    return DuplicateLinker(threshold=section.get("threshold", 0.85), shingle=section.get("shingle", 4))


def link_duplicates(suggestions: Sequence[Suggestion], config: dict,
                    linker: DuplicateLinker | None = None) -> dict[str, str]:
    """Set ``duplicate_of`` on every repost, earliest submission first, and return the links (id -> original)."""
    linker = linker or linker_from_config(config)
    order = sorted(range(len(suggestions)), key=lambda i: (suggestions[i].submitted_at or datetime.max, i))
    links: dict[str, str] = {}
    for i in order:
        original = linker.add(suggestions[i])
        suggestions[i].duplicate_of = original
        if original is not None:
            links[suggestions[i].id] = original
    return links
