"""TF-IDF over jieba tokens with no model at all: a baseline and a fallback that needs nothing installed.

Term weights use jieba's shipped IDF table, and terms are hashed into a fixed number of signed buckets, so the
vector of a text depends on that text alone. That keeps it cacheable and usable one suggestion at a time, like the
neural embedders.
"""
from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..segment import Segmenter
from .base import Embedder, l2_normalise


def _jieba_idf() -> tuple[dict[str, float], float]:
    import jieba.analyse

    table = jieba.analyse.default_tfidf.idf_freq
    return table, float(np.median(list(table.values())))


class TfidfEmbedder(Embedder):
    """Sublinear TF times jieba IDF, feature-hashed into ``dim`` signed buckets."""

    def __init__(self, segmenter: Segmenter, dim: int = 2048):
        self.segmenter = segmenter
        self.dim = dim
        self.key = f"tfidf:jieba-hash{dim}"
        self._idf, self._default_idf = _jieba_idf()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term, count in Counter(self.segmenter.tokens(text)).items():
                code = zlib.crc32(term.encode("utf-8"))
                sign = 1.0 if code & 1 else -1.0
                weight = (1.0 + math.log(count)) * self._idf.get(term, self._default_idf)
                out[row, (code >> 1) % self.dim] += sign * weight
        return l2_normalise(out)
