"""Per-text results on disk, beside the vector cache: what a run computed from a text, read back by the next run.

One SQLite table per kind of result, keyed by a digest of the settings that decide the result and the sha256 of the
text, so changed settings never return a result computed the old way. A cache that cannot be read or written
(disk full, read-only) costs speed, never an answer: it counts as empty, and one log line says so. Used for
segmented text (``token_cache.TokenCache``), the words jieba's dictionary knows (``known_words.KnownWords``), the
digest model's feature values (``digest_model.FeatureCache``), the repost linker's MinHash signatures
(``dedup.SignatureCache``) and what the theme finder reads of each suggestion (``themes.ThemeFinder``).
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from .embed.cache import stored_rows, text_hash

log = logging.getLogger("triage.cache")


class TextCache:
    """Blobs by text in table ``table`` of the SQLite file ``path``, under ``settings`` (a digest)."""

    def __init__(self, path: str | Path, table: str, settings: str):
        self.path = Path(path)
        self.table = table
        self.settings = settings
        self._ready = False
        self._failing = False

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        if not self._ready:
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (settings TEXT, hash TEXT, value BLOB,"
                       " PRIMARY KEY (settings, hash))")
            self._ready = True
        return db

    def read(self, texts: Sequence[str]) -> dict[str, bytes]:
        """What the cache holds for these texts, by text."""
        by_hash = {text_hash(text): text for text in texts}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                return {by_hash[digest]: value for digest, value in stored_rows(
                    db, f"SELECT hash, value FROM {self.table} WHERE settings = ? AND hash IN ({{marks}})",
                    self.settings, list(by_hash))}
        except (OSError, sqlite3.Error) as error:
            self._warn("read", error)
            return {}

    def write(self, values: Mapping[str, bytes]) -> None:
        try:
            with self._connect() as db:
                db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?)",
                               [(self.settings, text_hash(text), value) for text, value in values.items()])
        except (OSError, sqlite3.Error) as error:
            self._warn("written", error)

    def _warn(self, what: str, error: Exception) -> None:
        """One log line when the cache stops working, not one per call."""
        if not self._failing:
            self._failing = True
            log.warning("cache %s (%s) not %s (%s); results are computed, not cached", self.path, self.table, what,
                        error)
