"""Rows of ranking figures kept in id order and changed one row at a time, each row with its dates beside it.

The issue and theme rankings are fitted and scored with arrays over every row (``rank.MeasureTable``,
``theme_rank.ThemeRanker``), and their growth factor reads every row's dates. A write re-measures a row or two, so
the dates of all rows are kept as flat arrays, each date beside the slot of its row: a number a row keeps while rows
are inserted and deleted around it. A change then replaces that row's dates rather than gathering every row's dates
again (a quarter of a second at 100,000 issues).
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np

M = TypeVar("M")


class DatedRows(Generic[M]):
    """Rows in id order (``ids``): per row its figures (a row of ``figures``), what they were measured from
    (``measures``, ``None`` until ``set``) and its dates in whole microseconds."""

    def __init__(self, width: int, ids: Sequence[str] = ()):
        self.ids: list[str] = sorted(ids)
        self.figures = np.zeros((len(self.ids), width))
        self.measures: list[M | None] = [None] * len(self.ids)
        self._slots = np.arange(len(self.ids), dtype=np.int64)  # per row
        self._next_slot = len(self.ids)
        self._dates = np.zeros(0, dtype=np.int64)
        self._date_slots = np.zeros(0, dtype=np.int64)
        # Changes not yet in the flat arrays: slots whose dates go, and the new dates by slot.
        self._replaced: list[int] = []
        self._pending: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, row_id: str) -> int | None:
        """The row of an id, or ``None``."""
        row = bisect.bisect_left(self.ids, row_id)
        return row if row < len(self.ids) and self.ids[row] == row_id else None

    def insert(self, row_id: str) -> int:
        """The row of an id, added with zero figures and no dates when absent."""
        row = bisect.bisect_left(self.ids, row_id)
        if row == len(self.ids) or self.ids[row] != row_id:
            self.ids.insert(row, row_id)
            self.figures = np.insert(self.figures, row, 0.0, axis=0)
            self.measures.insert(row, None)
            self._slots = np.insert(self._slots, row, self._next_slot)
            self._next_slot += 1
        return row

    def delete(self, row_id: str) -> None:
        """Drop an id's row (nothing when absent)."""
        row = self.row(row_id)
        if row is None:
            return
        slot = int(self._slots[row])
        del self.ids[row], self.measures[row]
        self.figures = np.delete(self.figures, row, axis=0)
        self._slots = np.delete(self._slots, row)
        self._replaced.append(slot)
        self._pending.pop(slot, None)

    def set(self, row_id: str, measures: M, figures: np.ndarray, dates: np.ndarray) -> None:
        """Put an id's figures and dates (its row is added when absent)."""
        row = self.insert(row_id)
        self.figures[row], self.measures[row] = figures, measures
        slot = int(self._slots[row])
        self._replaced.append(slot)
        self._pending[slot] = dates

    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row's dates, in no order, and the row each belongs to."""
        if self._replaced:
            kept = ~np.isin(self._date_slots, self._replaced)
            self._dates = np.concatenate([self._dates[kept], *self._pending.values()])
            self._date_slots = np.concatenate([self._date_slots[kept], *(
                np.full(len(dates), slot, dtype=np.int64) for slot, dates in self._pending.items())])
            self._replaced, self._pending = [], {}
        row_of_slot = np.zeros(self._next_slot, dtype=np.int64)
        row_of_slot[self._slots] = np.arange(len(self._slots))
        return self._dates, row_of_slot[self._date_slots]
