"""Sparse rows (id -> value) of many suggestions, kept as one CSR matrix rather than a dict per suggestion.

A suggestion's word row as a dict costs about 10 KB (a hundred keys and values as Python objects); at 100,000
suggestions the name and word rows alone took over a gigabyte. ``SparseRows`` keeps a corpus's rows as the matrix
TF-IDF made and hands out a row as a dict only when one suggestion is read; rows added one at a time afterwards (the
service's intake) are kept as the dicts they come as, and so is a row replaced (its suggestion's words changed
meaning when the vocabulary grew). ``matrix`` gives all rows (or some) back as one matrix, which is how the
issue finder lays out a whole corpus, or threads one issue's members (``GroupSums.of_items``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp

from .entries import LazyEntries

SparseRow = dict[int, float]


def rows_matrix(rows: Sequence[SparseRow], width: int | None = None) -> sp.csr_matrix:
    """Dict rows as one CSR matrix, each row's ids in the dict's own order; ``width`` at least one past the
    largest id (the default)."""
    counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    total = int(counts.sum())
    ids = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=total)
    values = np.fromiter(chain.from_iterable(row.values() for row in rows), dtype=np.float64, count=total)
    needed = int(ids.max()) + 1 if total else 0
    return sp.csr_matrix((values, ids, np.concatenate(([0], np.cumsum(counts)))),
                         shape=(len(rows), max(needed, width or 0)))


class SparseRows(LazyEntries[SparseRow]):
    """The rows of a CSR matrix (``None``: ``n`` empty rows), then rows appended as dicts; ``rows[i]`` is a fresh
    dict with the row's ids in increasing order, as ``dict(zip(ids, values))`` of the matrix row; indexes, negative
    indexes and slices as for a list (``LazyEntries``); a row is replaced by assigning it."""

    def __init__(self, matrix: sp.csr_matrix | None, n: int = 0, appended: Iterable[SparseRow] = (),
                 replaced: dict[int, SparseRow] | None = None):
        self._matrix = matrix
        self._stored = matrix.shape[0] if matrix is not None else n
        self._appended = list(appended)
        self._replaced = dict(replaced or {})  # stored rows replaced since: position -> row

    def __len__(self) -> int:
        return self._stored + len(self._appended)

    def _entry(self, position: int) -> SparseRow:
        if position >= self._stored:
            return self._appended[position - self._stored]
        if position in self._replaced:
            return dict(self._replaced[position])
        if self._matrix is None:
            return {}
        start, end = self._matrix.indptr[position], self._matrix.indptr[position + 1]
        return dict(zip(self._matrix.indices[start:end].tolist(), self._matrix.data[start:end].tolist()))

    def append(self, row: SparseRow) -> None:
        self._appended.append(row)

    def __setitem__(self, position: int, row: SparseRow) -> None:
        if not 0 <= position < len(self):
            raise IndexError(position)
        if position >= self._stored:
            self._appended[position - self._stored] = row
        else:
            self._replaced[position] = row

    def __add__(self, other: Sequence[SparseRow]) -> "SparseRows":
        return SparseRows(self._matrix, self._stored, [*self._appended, *other], self._replaced)

    def matrix(self, width: int, positions: Sequence[int] | None = None) -> sp.csr_matrix:
        """Every row as one CSR matrix ``width`` columns wide, or (``positions``) only those rows, in that order:
        one issue's members are laid out without building the corpus's matrix. Each row's ids are in the order
        ``rows[i]`` gives them (a replaced or appended row's own order), so a row's values are summed in one order
        whichever rows are taken with it."""
        stored = self._matrix if self._matrix is not None else sp.csr_matrix((self._stored, width))
        if stored.shape[1] != width:
            stored = sp.csr_matrix((stored.data, stored.indices, stored.indptr), shape=(self._stored, width))
        if positions is None:
            if not self._replaced and not self._appended:
                return stored
            positions = range(len(self))
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        as_dicts = (positions >= self._stored) | np.isin(positions, np.fromiter(self._replaced, dtype=np.int64,
                                                                                  count=len(self._replaced)))
        # The matrix's rows, then the dicts' rows, put back in the order asked for (row indexing keeps each row's
        # ids in their order).
        taken = sp.vstack([stored[positions[~as_dicts]],
                           rows_matrix([self._entry(int(p)) for p in positions[as_dicts]], width)], format="csr")
        order = np.empty(len(positions), dtype=np.int64)
        order[~as_dicts] = np.arange(int((~as_dicts).sum()))
        order[as_dicts] = np.arange(int((~as_dicts).sum()), len(positions))
        return taken[order]
