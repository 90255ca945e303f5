"""Rankings whose entries are put together when read, so a page of a ranking of many thousands costs a page."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, overload

T = TypeVar("T")


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
