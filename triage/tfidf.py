"""TF-IDF rows as scikit-learn's ``TfidfVectorizer`` makes them, for the issue finder's two text views.

Importing scikit-learn costs about 1.8 CPU seconds (it loads scipy.stats), a third of the main job's 5-second target,
for this one class. ``TfidfVectors`` does the same arithmetic in the same order (sublinear term frequency, smoothed
IDF, rows scaled to unit length, features numbered in sorted order, ``min_df`` pruning), so every row comes out equal
to the last bit and the issues found do not change.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True)
class CharNgrams:
    """scikit-learn's ``char_wb`` analyzer: lower-cased character n-grams inside words padded with a space each side;
    a word too short for an n is counted once, whole. A class rather than a closure, so a fitted view pickles."""

    min_n: int
    max_n: int

    def __call__(self, text: str) -> list[str]:
        found = []
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            word = f" {word} "
            for n in range(self.min_n, self.max_n + 1):
                found.extend(word[i:i + n] for i in range(max(1, len(word) - n + 1)))
                if len(word) <= n:
                    break
        return found


class TfidfVectors:
    """Fit a vocabulary and IDF on documents, then turn documents into TF-IDF rows (a CSR matrix).

    ``fit`` raises ``ValueError`` where scikit-learn does: no terms at all, none used by ``min_df`` documents, or
    fewer documents than ``min_df``.
    """

    def __init__(self, analyzer: Callable[[Any], Iterable[Hashable]], min_df: int = 1):
        self.analyzer = analyzer
        self.min_df = min_df
        self.vocabulary_: dict[Hashable, int] = {}
        self.idf_ = np.zeros(0)

    def fit(self, documents: Sequence[Any]) -> "TfidfVectors":
        if len(documents) < self.min_df:
            raise ValueError("fewer documents than min_df")
        frequency: Counter[Hashable] = Counter()
        for document in documents:
            frequency.update(set(self.analyzer(document)))
        if not frequency:
            raise ValueError("empty vocabulary")
        kept = sorted(term for term, count in frequency.items() if count >= self.min_df)
        if not kept:
            raise ValueError("no terms remain after pruning")
        self.vocabulary_ = {term: index for index, term in enumerate(kept)}
        smoothed = np.array([frequency[term] for term in kept], dtype=np.float64)
        smoothed += 1.0
        self.idf_ = np.full_like(smoothed, fill_value=len(documents) + 1, dtype=np.float64)
        self.idf_ /= smoothed
        np.log(self.idf_, out=self.idf_)
        self.idf_ += 1.0
        return self

    def transform(self, documents: Sequence[Any]) -> sp.csr_matrix:
        vocabulary = self.vocabulary_
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        for document in documents:
            row = sorted((vocabulary[term], count) for term, count in Counter(self.analyzer(document)).items()
                         if term in vocabulary)
            indices.extend(index for index, _ in row)
            counts.extend(count for _, count in row)
            indptr.append(len(indices))
        data = np.array(counts, dtype=np.float64)
        columns = np.array(indices, dtype=np.int32)
        np.log(data, out=data)
        data += 1.0
        data *= self.idf_[columns]
        for start, end in zip(indptr[:-1], indptr[1:]):
            total = 0.0
            for value in data[start:end].tolist():  # in column order, one by one, as scikit-learn sums
                total += value * value
            if total:
                data[start:end] /= math.sqrt(total)
        return sp.csr_matrix((data, columns, np.array(indptr, dtype=np.int32)),
                             shape=(len(documents), len(vocabulary)))
