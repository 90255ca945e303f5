"""Shared issues: suggestions that raise the same concrete issue, found on a sparse nearest-neighbour graph.

Only originals take part (a repost joins its original's issue afterwards), so duplicates never shape or enlarge an
issue. The finder never builds an n×n matrix: each suggestion is compared with its ``k`` nearest neighbours only,
and a new suggestion is placed by the same rule against its own neighbours, so the service can assign suggestions
one at a time without re-clustering.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .neighbours import NeighbourIndex


class IssueFinder:
    """Groups originals whose link similarity to a neighbour reaches ``threshold``.

    ``fit`` sets ``labels_``: a group number per position, -1 for positions that take no part (duplicates).
    """

    def __init__(self, k: int = 20, threshold: float = 0.9):
        self.k = k
        self.threshold = threshold
        self.labels_: np.ndarray = np.zeros(0, dtype=np.int64)

    def fit(self, index: NeighbourIndex, tokens: Sequence[Sequence[str]], titles: Sequence[str], active: np.ndarray,
            progress: Callable[[float], None] | None = None) -> "IssueFinder":
        n = len(index)
        parent = np.arange(n)

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        positions = np.flatnonzero(active)
        for start in range(0, len(positions), 4096):
            chunk = positions[start:start + 4096]
            ids, sims = index.search(index.vectors[chunk], self.k + 1)
            for row, i in enumerate(chunk):
                for j, sim in zip(ids[row], sims[row]):
                    if j < 0 or j == i or not active[j] or sim < self.threshold:
                        continue
                    a, b = root(i), root(int(j))
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        labels = np.full(n, -1, dtype=np.int64)
        roots: dict[int, int] = {}
        for i in positions:
            labels[i] = roots.setdefault(root(int(i)), len(roots))
        self.labels_ = labels
        return self

    def match(self, positions: np.ndarray, similarities: np.ndarray, tokens: Sequence[str],
              neighbour_tokens: Sequence[Sequence[str]], neighbour_titles: Sequence[str]) -> int | None:
        """The stored original (of the placed neighbours given, best first) a new suggestion joins, or ``None``."""
        for j, sim in zip(positions, similarities):
            if sim >= self.threshold:
                return int(j)
        return None
