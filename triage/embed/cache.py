"""An on-disk cache of vectors keyed by embedder, model and text, so a re-run embeds only what is new.

One SQLite file holds every embedder's vectors; the key is ``(embedder key, sha256 of the text)``, so changing the
model or the text changes the key and stale vectors are never returned.
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import Embedder


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedEmbedder(Embedder):
    """Wraps an embedder; ``last_new`` tells how many texts the last call really had to embed."""

    def __init__(self, inner: Embedder, path: str | Path):
        self.inner = inner
        self.key = inner.key
        self.dim = inner.dim
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last_new = 0
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (embedder TEXT, hash TEXT, vector BLOB,"
                       " PRIMARY KEY (embedder, hash))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def embed(self, texts: Sequence[str], remember: bool = True) -> np.ndarray:
        """Cached vectors where there are some; the rest from the inner embedder, stored unless ``remember`` is off."""
        hashes = [text_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            unique = list(dict.fromkeys(hashes))
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for digest, blob in db.execute(
                        f"SELECT hash, vector FROM vectors WHERE embedder = ? AND hash IN ({marks})",
                        [self.key, *chunk]):
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
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

    def _store(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                           [(self.key, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)])
