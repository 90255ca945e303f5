"""An on-disk cache of vectors keyed by embedder, model and text, so a re-run embeds only what is new.

One SQLite file holds every embedder's vectors; the key is ``(embedder key, sha256 of the text)``, so changing the
model or the text changes the key and stale vectors are never returned.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from .base import Embedder

log = logging.getLogger("triage.embed")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_rows(db: sqlite3.Connection, query: str, key: str, hashes: Sequence[str]) -> Iterator[tuple]:
    """The rows ``query`` finds for the distinct ``hashes`` under ``key``, asked 500 at a time (SQLite's limit on
    parameters); ``query`` has one ``?`` for the key and ``{marks}`` where the hashes go."""
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        yield from db.execute(query.format(marks=",".join("?" * len(chunk))), [key, *chunk])


class CachedEmbedder(Embedder):
    """Wraps an embedder; ``last_new`` tells how many texts the last call really had to embed."""

    def __init__(self, inner: Embedder, path: str | Path):
        self.inner = inner
        self.key = inner.key
        self.dim = inner.dim
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last_new = 0
        self._failing = False
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (embedder TEXT, hash TEXT, vector BLOB,"
                       " PRIMARY KEY (embedder, hash))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def embed(self, texts: Sequence[str], remember: bool = True) -> np.ndarray:
        """Cached vectors where there are some; the rest from the inner embedder, stored unless ``remember`` is off."""
        hashes = [text_hash(t) for t in texts]
        found = self._read(list(dict.fromkeys(hashes)))
        missing = {h: t for h, t in zip(hashes, texts) if h not in found}
        self.last_new = len(missing)
        if missing:
            vectors = self.inner.embed(list(missing.values()))
            if remember:
                self._store(list(missing), vectors)
            found.update(zip(missing, vectors))
        if not hashes:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[h] for h in hashes]).astype(np.float32)

    def _read(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``hashes``; a cache that cannot be read (disk I/O error) counts as empty."""
        found: dict[str, np.ndarray] = {}
        try:
            with self._connect() as db:
                found = {digest: np.frombuffer(blob, dtype=np.float32) for digest, blob in stored_rows(
                    db, "SELECT hash, vector FROM vectors WHERE embedder = ? AND hash IN ({marks})", self.key, hashes)}
        except sqlite3.OperationalError as error:
            self._warn("read", error)
        return found

    def _warn(self, what: str, error: sqlite3.Error) -> None:
        """One log line when the cache stops working, not one per call."""
        if not self._failing:
            self._failing = True
            log.warning("embedding cache %s not %s (%s); vectors are computed, not cached, until it works again",
                        self.path, what, error)

    def _store(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Keep new vectors; a cache that cannot be written (disk full, read-only) costs speed later, not this call."""
        try:
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                               [(self.key, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)])
        except sqlite3.OperationalError as error:
            self._warn("written", error)
            return
        self._failing = False
