"""TF-IDF rows as scikit-learn's ``TfidfVectorizer`` makes them, for the issue finder's two text views.

Importing scikit-learn costs about 1.8 CPU seconds (it loads scipy.stats), a third of the main job's 5-second target,
for this one class. ``TfidfVectors`` does the same arithmetic in the same order (sublinear term frequency, smoothed
IDF, rows scaled to unit length, features numbered in sorted order, ``min_df`` pruning), so every row comes out equal
to the last bit and the issues found do not change.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, count, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp

from .distinct import distinct

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
        self._fit([self.analyzer(document) for document in documents])
        return self

    def fit_transform(self, documents: Sequence[Any]) -> sp.csr_matrix:
        """``fit`` then ``transform`` of the same documents, each analysed once and each term looked up once."""
        analysed = [self.analyzer(document) for document in documents]
        return self._rows_of(*self._fit(analysed))

    def transform(self, documents: Sequence[Any]) -> sp.csr_matrix:
        analysed = [self.analyzer(document) for document in documents]
        lengths = np.fromiter(map(len, analysed), dtype=np.int64, count=len(analysed))
        get = self.vocabulary_.get
        features = np.fromiter(map(get, chain.from_iterable(analysed), repeat(-1)), dtype=np.int64,
                               count=int(lengths.sum()))
        return self._rows_of(features, lengths)

    def _fit(self, analysed: Sequence[Sequence[Hashable]]) -> tuple[np.ndarray, np.ndarray]:
        """Learn the vocabulary and IDF; each term's feature (-1 when pruned) in document order, and each
        document's number of terms. Every distinct term is numbered on first sight, in one pass over all terms,
        so counting documents per term and looking up features take arrays, not a hash per term each."""
        if len(analysed) < self.min_df:
            raise ValueError("fewer documents than min_df")
        numbers: defaultdict[Hashable, int] = defaultdict(count().__next__)
        lengths = np.fromiter(map(len, analysed), dtype=np.int64, count=len(analysed))
        seen = np.fromiter(map(numbers.__getitem__, chain.from_iterable(analysed)), dtype=np.int64,
                           count=int(lengths.sum()))
        if not numbers:
            raise ValueError("empty vocabulary")
        terms = list(numbers)  # in the order numbered
        owners = np.repeat(np.arange(len(analysed), dtype=np.int64), lengths)
        frequency = np.bincount(distinct(owners * len(terms) + seen) % len(terms), minlength=len(terms))
        kept = sorted((term for term, used in zip(terms, frequency.tolist()) if used >= self.min_df))
        if not kept:
            raise ValueError("no terms remain after pruning")
        self.vocabulary_ = {term: index for index, term in enumerate(kept)}
        feature = np.full(len(terms), -1, dtype=np.int64)
        numbered = np.fromiter(map(numbers.__getitem__, kept), dtype=np.int64, count=len(kept))
        feature[numbered] = np.arange(len(kept))
        smoothed = frequency[numbered].astype(np.float64)
        smoothed += 1.0
        self.idf_ = np.full_like(smoothed, fill_value=len(analysed) + 1, dtype=np.float64)
        self.idf_ /= smoothed
        np.log(self.idf_, out=self.idf_)
        self.idf_ += 1.0
        return feature[seen], lengths

    def _rows_of(self, features: np.ndarray, lengths: np.ndarray) -> sp.csr_matrix:
        """The rows of documents given as each term's feature (-1: not in the vocabulary), in document order, and
        each document's number of terms: counted per (document, feature) with arrays."""
        width = len(self.vocabulary_)
        owners = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        known = features >= 0
        keys, counts = np.unique(owners[known] * width + features[known], return_counts=True)
        rows, columns = np.divmod(keys, width)
        data = counts.astype(np.float64)
        np.log(data, out=data)
        data += 1.0
        data *= self.idf_[columns]
        indptr = np.searchsorted(rows, np.arange(len(lengths) + 1))
        totals = sums_in_order(data * data, indptr)
        norms = np.sqrt(totals)
        scaled = totals[rows] > 0
        data[scaled] /= norms[rows[scaled]]
        return sp.csr_matrix((data, columns.astype(np.int32), indptr.astype(np.int32)),
                             shape=(len(lengths), width))


def sums_in_order(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each row's values added one by one in column order, as scikit-learn sums a row's squares (numpy's own sums
    add in pairs, which can differ in the last bit): one step per column position, for all rows that long."""
    lengths = np.diff(indptr)
    order = np.argsort(-lengths, kind="stable")
    starts, longest_first = indptr[:-1][order], lengths[order]
    totals = np.zeros(len(lengths))
    for position in range(int(longest_first[0]) if len(lengths) else 0):
        rows = int(np.searchsorted(-longest_first, -position, side="left"))  # the rows longer than position
        totals[:rows] += values[starts[:rows] + position]
    found = np.zeros(len(lengths))
    found[order] = totals
    return found
