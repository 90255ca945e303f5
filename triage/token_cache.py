"""An on-disk cache of segmented text, keyed by the segmenter's settings and the text, beside the vector cache.

Segmenting 4,326 messages with jieba took about 5 s of a 16 s run, every run, for the same texts. The key holds a
digest of everything that decides the tokens (jieba's version, the user dictionary, the stop words, the minimum
length), so editing the dictionary or the stop words never returns tokens cut the old way. Beside the tokens it keeps
whether each token is a dictionary word (``Segmenter.in_dictionary``, which the theme finder asks of every token):
answering that from jieba means loading its whole dictionary, 1.6 CPU seconds of a run that needs no segmenting.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from itertools import chain
from collections.abc import Sequence
from pathlib import Path

import jieba

from .embed.cache import stored_rows, text_hash
from .segment import Segmenter


def segmenter_key(segmenter: Segmenter) -> str:
    """A digest of what decides a segmenter's tokens."""
    parts = [jieba.__version__, str(segmenter.min_len)]
    for path in (segmenter.userdict, segmenter.stopwords):
        parts.append(hashlib.sha256(Path(path).read_bytes()).hexdigest() if path is not None else "")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


class TokenCache:
    """Tokens of texts from ``path`` where it has them; the rest segmented and stored."""

    def __init__(self, segmenter: Segmenter, path: str | Path):
        self.segmenter = segmenter
        self.key = segmenter_key(segmenter)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.last_new = 0
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS tokens (segmenter TEXT, hash TEXT, tokens TEXT,"
                       " PRIMARY KEY (segmenter, hash))")
            db.execute("CREATE TABLE IF NOT EXISTS words (segmenter TEXT, word TEXT, known INTEGER,"
                       " PRIMARY KEY (segmenter, word))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """The tokens of each text; the segmenter learns which of them are dictionary words."""
        hashes = [text_hash(t) for t in texts]
        with self._connect() as db:
            found = {digest: json.loads(stored) for digest, stored in stored_rows(
                db, "SELECT hash, tokens FROM tokens WHERE segmenter = ? AND hash IN ({marks})", self.key, hashes)}
        missing = {h: t for h, t in zip(hashes, texts) if h not in found}
        self.last_new = len(missing)
        if missing:
            cut = {h: self.segmenter.tokens(t) for h, t in missing.items()}
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)",
                               [(self.key, h, json.dumps(words, ensure_ascii=False)) for h, words in cut.items()])
            found.update(cut)
        tokens = [list(found[h]) for h in hashes]
        self._share_dictionary(tokens)
        return tokens

    def _share_dictionary(self, tokens: Sequence[Sequence[str]]) -> None:
        with self._connect() as db:
            known = {word: bool(flag) for word, flag in
                     db.execute("SELECT word, known FROM words WHERE segmenter = ?", (self.key,))}
        missing = set(chain.from_iterable(tokens)) - known.keys()
        if missing:
            answers = {word: self.segmenter.in_dictionary(word) for word in sorted(missing)}
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO words VALUES (?, ?, ?)",
                               [(self.key, word, int(flag)) for word, flag in answers.items()])
            known.update(answers)
        self.segmenter.learn_dictionary(known)
