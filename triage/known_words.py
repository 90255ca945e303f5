"""Which words jieba's dictionary knows, remembered on disk beside the token cache.

Themes keep only words jieba's dictionary knows (``Segmenter.in_dictionary``), since most proper names are not in it.
Asking needs jieba's dictionary in memory, and loading it costs about 1.5 s of CPU, while a run whose tokens all come
from the token cache needs jieba for nothing else. The answers are stored under the segmenter's key
(``token_cache.segmenter_key``), so a changed user dictionary asks jieba again.
"""
from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from .segment import Segmenter
from .text_cache import TextCache
from .token_cache import segmenter_key

_KNOWN, _UNKNOWN = b"1", b"0"


class KnownWords:
    """Answers which words the segmenter's dictionary knows, from ``path`` where it has them (no file: jieba)."""

    def __init__(self, segmenter: Segmenter, path: str | Path | None = None):
        self.segmenter = segmenter
        self._answers = TextCache(path, "known_words", segmenter_key(segmenter)) if path is not None else None

    def __call__(self, words: Collection[str]) -> set[str]:
        """The words of ``words`` the dictionary knows."""
        words = set(words)
        if self._answers is None:
            return {w for w in words if self.segmenter.in_dictionary(w)}
        found = {word: stored == _KNOWN for word, stored in self._answers.read(list(words)).items()}
        missing = {w: self.segmenter.in_dictionary(w) for w in words if w not in found}
        if missing:
            self._answers.write({word: _KNOWN if known else _UNKNOWN for word, known in missing.items()})
            found.update(missing)
        return {w for w, known in found.items() if known}
