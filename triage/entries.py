"""Rankings whose entries are put together when read, so a page of a ranking of many thousands costs a page."""
from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

import numpy as np

from .records import Score

T = TypeVar("T")
R = TypeVar("R")


class LazyEntries(Sequence[T]):
    """A sequence of ``len(self)`` entries, each made by ``_entry`` from its index (from 0, never negative) when read;
    slices, negative indexes and iteration as for a list."""

    def _entry(self, index: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._entry(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._entry(index)


class Scorer(Protocol):
    def score(self, measures: Any) -> Score: ...


class Ranking(LazyEntries[tuple[R, Score]], Generic[R]):
    """Records (issues, themes) best first, ordered by their score values, as (record, score).

    Holds a snapshot of a book's rows in id order (list and dict copies, made in C) and the order of the rows ranked
    (all rows or some); an entry's record and its ``Score`` with its breakdown are looked up when read, so a page of
    a ranking of many thousands costs a page, not a pass over every record.
    """

    def __init__(self, ids: list[str], records: Mapping[str, R], measures: Sequence[Any], order: np.ndarray,
                 ranker: Scorer):
        self._ids, self._records, self._measures, self._order = ids, records, measures, order
        self._ranker = ranker
        self._scores: dict[int, Score] = {}
        self._places: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._order)

    def _entry(self, index: int) -> tuple[R, Score]:
        row = int(self._order[index])
        score = self._scores.get(row)
        if score is None:
            score = self._scores[row] = self._ranker.score(self._measures[row])
        return self._records[self._ids[row]], score

    def place(self, record_id: str) -> int | None:
        """The record's rank, counting from 1, or ``None`` when it is not ranked."""
        row = bisect.bisect_left(self._ids, record_id)
        if row == len(self._ids) or self._ids[row] != record_id:
            return None
        if self._places is None:
            self._places = np.zeros(len(self._ids), dtype=np.int64)
            self._places[self._order] = np.arange(1, len(self._order) + 1)
        return int(self._places[row]) or None
