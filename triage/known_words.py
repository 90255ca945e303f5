"""Which words jieba's dictionary knows, remembered on disk beside the token cache.

Themes keep only words jieba's dictionary knows (``Segmenter.in_dictionary``), since most proper names are not in it.
Asking needs jieba's dictionary in memory, and loading it costs about 1.5 s of CPU, while a run whose tokens all come
from the token cache needs jieba for nothing else. The answers are stored under the segmenter's key
(``token_cache.segmenter_key``), so a changed user dictionary asks jieba again.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Collection
from pathlib import Path

from .embed.cache import stored_rows
from .segment import Segmenter
from .token_cache import segmenter_key

# Above this many words in one question, every stored answer is read at once rather than the words looked up.
_ASKED_ONE_BY_ONE = 2000


class KnownWords:
    """Answers which words the segmenter's dictionary knows, from ``path`` where it has them (no file: jieba)."""

    def __init__(self, segmenter: Segmenter, path: str | Path | None = None):
        self.segmenter = segmenter
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.key = segmenter_key(segmenter)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("CREATE TABLE IF NOT EXISTS words (segmenter TEXT, word TEXT, known INTEGER,"
                           " PRIMARY KEY (segmenter, word))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def __call__(self, words: Collection[str]) -> set[str]:
        """The words of ``words`` the dictionary knows."""
        words = set(words)
        if self.path is None:
            return {w for w in words if self.segmenter.in_dictionary(w)}
        with self._connect() as db:
            if len(words) > _ASKED_ONE_BY_ONE:  # a corpus: reading every stored answer is quicker than asking
                rows = db.execute("SELECT word, known FROM words WHERE segmenter = ?", (self.key,))
            else:
                rows = stored_rows(db, "SELECT word, known FROM words WHERE segmenter = ? AND word IN ({marks})",
                                   self.key, list(words))
            found = {word: bool(known) for word, known in rows if word in words}
        missing = {w: self.segmenter.in_dictionary(w) for w in words if w not in found}
        if missing:
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO words VALUES (?, ?, ?)",
                               [(self.key, word, int(known)) for word, known in missing.items()])
            found.update(missing)
        return {w for w, known in found.items() if known}
