"""Counting a fixed set of short strings in many texts at once, with arrays.

The digest model counts its chosen character n-grams in every suggestion and the theme finder looks for its lexicon's
words in every title and opening. Done text by text and term by term in Python that took seconds a run. Here the
texts become one array of character codes, every window of a term's length becomes one integer, and all windows are
looked up among the terms' integers in one sorted search, so a corpus costs a few passes over arrays. Occurrences
overlap, as scikit-learn's character n-grams do: '哈哈' occurs twice in '哈哈哈'.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

# Texts counted per pass: bounds the arrays (about 40 bytes a character) for corpora of any size.
_TEXTS_PER_PASS = 4096
# Joins texts in one array; no term may contain it, so no window across two texts matches.
_SEPARATOR = "\x00"


class TermCounter:
    """How often each of ``terms`` (distinct, non-empty strings) occurs in each text.

    A window's integer writes its characters as digits in base (number of distinct characters in the terms + 1),
    0 standing for a character no term has, so a window matches a term exactly when the integers are equal.
    """

    def __init__(self, terms: Sequence[str]):
        self.terms = list(terms)
        if len(set(self.terms)) != len(self.terms) or not all(self.terms):
            raise ValueError("TermCounter 的词须各不相同且非空")
        alphabet = sorted({c for term in self.terms for c in term})
        if _SEPARATOR in alphabet:
            raise ValueError("TermCounter 的词不能含 NUL 字符")
        self._base = len(alphabet) + 1
        digit = {c: i + 1 for i, c in enumerate(alphabet)}
        # Character code -> its digit, 0 for characters no term has (and for codes past the table's end).
        self._digits = np.zeros(max((ord(c) for c in alphabet), default=0) + 2, dtype=np.int64)
        self._digits[[ord(c) for c in alphabet]] = list(digit.values())
        longest = max((len(t) for t in self.terms), default=0)
        if self._base ** longest >= 2 ** 63:
            raise ValueError(f"TermCounter：{len(alphabet)} 个不同字符的词最长只能有 "
                             f"{int(63 / np.log2(self._base))} 个字符，当前最长 {longest}")
        # Per term length: the terms' integers sorted, and each one's column.
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for length in sorted({len(t) for t in self.terms}):
            columns = np.array([j for j, t in enumerate(self.terms) if len(t) == length], dtype=np.int64)
            keys = np.array([sum(digit[c] * self._base ** k for k, c in enumerate(self.terms[j])) for j in columns],
                            dtype=np.int64)
            order = np.argsort(keys)
            self._by_length[length] = (keys[order], columns[order])

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """A text-by-term matrix of occurrence counts (int64, column indices sorted within each row)."""
        parts = [self._count(texts[start:start + _TEXTS_PER_PASS])
                 for start in range(0, len(texts), _TEXTS_PER_PASS)]
        if not parts:
            return sparse.csr_matrix((0, len(self.terms)), dtype=np.int64)
        return sparse.vstack(parts, format="csr") if len(parts) > 1 else parts[0]

    def _count(self, texts: Sequence[str]) -> sparse.csr_matrix:
        width = len(self.terms)
        if not width:
            return sparse.csr_matrix((len(texts), 0), dtype=np.int64)
        joined = _SEPARATOR.join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        digits = self._digits[np.minimum(codes, len(self._digits) - 1)]
        cells = [np.zeros(0, dtype=np.int64)]
        for length, (keys, columns) in self._by_length.items():
            windows = len(digits) - length + 1
            if windows <= 0:
                continue
            key = np.zeros(windows, dtype=np.int64)
            known = np.ones(windows, dtype=bool)
            for k in range(length):
                digit = digits[k:k + windows]
                key += digit * self._base ** k
                known &= digit > 0
            at = np.flatnonzero(known)
            found = np.minimum(np.searchsorted(keys, key[at]), len(keys) - 1)
            hit = keys[found] == key[at]
            rows = np.searchsorted(starts, at[hit], side="right") - 1
            cells.append(rows * width + columns[found[hit]])
        cell, count = np.unique(np.concatenate(cells), return_counts=True)
        indptr = np.searchsorted(cell // width, np.arange(len(texts) + 1))
        return sparse.csr_matrix((count.astype(np.int64), cell % width, indptr),
                                 shape=(len(texts), width))
