"""TF-IDF rows as scikit-learn's ``TfidfVectorizer`` makes them, for the issue finder's two text views.

Importing scikit-learn costs about 1.8 CPU seconds (it loads scipy.stats), a third of the main job's 5-second target,
for this one class. ``TfidfVectors`` does the same arithmetic in the same order (sublinear term frequency, smoothed
IDF, rows scaled to unit length, features numbered in sorted order, ``min_df`` pruning), so every row comes out equal
to the last bit and the issues found do not change.

A fitted vocabulary can also grow, one document at a time (``learn``): the service stores suggestions long after its
vocabulary was fitted, and the first suggestions about a new estate, shop or app name it in words no fitted
vocabulary has. ``learn`` counts a new document's terms and takes a term in as soon as ``min_df`` documents use it.
"""
from __future__ import annotations

import math
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
        self._documents = 0  # how many documents the IDF was fitted on
        self._pending: dict[Hashable, list[int]] = {}  # terms fewer than min_df documents use -> those documents
        self._idf = np.zeros(0)  # ``idf_`` with room to grow: ``idf_`` is its first len(vocabulary_) values

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
        used_in = distinct(owners * len(terms) + seen)  # (document, term) pairs, each once
        term_of = used_in % len(terms)
        frequency = np.bincount(term_of, minlength=len(terms))
        self._pending = {}
        if self.min_df > 1:
            rare = frequency[term_of] < self.min_df
            for document, term in zip((used_in[rare] // len(terms)).tolist(), term_of[rare].tolist()):
                self._pending.setdefault(terms[term], []).append(document)
        self._documents = len(analysed)
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
        self._idf = self.idf_
        return feature[seen], lengths

    def learn(self, document: Any, position: int) -> dict[Hashable, list[int]]:
        """Count one more document (``position``: its number, after the fitted documents' 0 … n−1); a term it uses
        that is not in the vocabulary enters it once ``min_df`` documents use it. Returns each term that just
        entered with the positions of the earlier documents using it: their rows change.

        A new term's IDF is the one it would have had among the fitted documents with the documents using it now:
        every IDF stays on the fitted corpus's scale (relearning all of them would change every stored row). Terms
        enter in the order the document first uses them, so the same documents learnt give the same features.
        """
        entered: dict[Hashable, list[int]] = {}
        for term in dict.fromkeys(self.analyzer(document)):
            if term in self.vocabulary_:
                continue
            users = self._pending.setdefault(term, [])
            if len(users) + 1 < self.min_df:
                users.append(position)
                continue
            entered[term] = self._pending.pop(term)
            if len(self.vocabulary_) == len(self._idf):  # room for as many again: amortised O(1) per term
                self._idf = np.concatenate((self._idf, np.zeros(max(16, len(self._idf)))))
            self._idf[len(self.vocabulary_)] = math.log((self._documents + 1) / (len(users) + 2)) + 1.0
            self.vocabulary_[term] = len(self.vocabulary_)
        self.idf_ = self._idf[:len(self.vocabulary_)]
        return entered

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
