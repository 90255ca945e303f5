"""Nearest-neighbour search over unit vectors that grows one suggestion at a time.

Exact search (blocked matrix products, never an n×n matrix in memory) is deterministic and fast up to tens of
thousands of vectors; past ``exact_max`` the index switches to HNSW (hnswlib), whose cost per query grows with
log n, so 100,000 suggestions fit in memory and time on two cores.
"""
from __future__ import annotations

import numpy as np


class NeighbourIndex:
    """Cosine k-nearest-neighbour search with incremental ``add``."""

    def __init__(self, dim: int, exact_max: int = 20000, block: int = 2048, ef: int = 128, m: int = 16,
                 threads: int = 2):
        self.dim = dim
        self.exact_max = exact_max
        self.block = block
        self.ef = ef
        self.m = m
        self.threads = threads
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._count = 0
        self._hnsw = None

    def __len__(self) -> int:
        return self._count

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors[:self._count]

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors; their positions continue from the current size."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        needed = self._count + len(vectors)
        if needed > len(self._vectors):
            grown = np.zeros((max(needed, 2 * len(self._vectors), 1024), self.dim), dtype=np.float32)
            grown[:self._count] = self.vectors
            self._vectors = grown
        self._vectors[self._count:needed] = vectors
        start, self._count = self._count, needed
        if self._hnsw is not None:
            self._hnsw_add(vectors, start)
        elif self._count > self.exact_max:
            self._hnsw_build()

    def _hnsw_build(self) -> None:
        import hnswlib

        self._hnsw = hnswlib.Index(space="ip", dim=self.dim)
        self._hnsw.init_index(max_elements=max(2 * self._count, 1024), ef_construction=200, M=self.m,
                              random_seed=7)
        self._hnsw.set_ef(self.ef)
        self._hnsw_add(self.vectors, 0)

    def _hnsw_add(self, vectors: np.ndarray, start: int) -> None:
        if start + len(vectors) > self._hnsw.get_max_elements():
            self._hnsw.resize_index(2 * (start + len(vectors)))
        self._hnsw.add_items(vectors, np.arange(start, start + len(vectors)), num_threads=self.threads)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """For each query, the positions and cosine similarities of its ``k`` nearest stored vectors, best first.

        Rows are padded with position -1 and similarity -inf when fewer than ``k`` vectors are stored.
        """
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k_eff = min(k, self._count)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        if k_eff == 0 or len(queries) == 0:
            return ids, sims
        if self._hnsw is not None:
            self._hnsw.set_ef(max(self.ef, k_eff))
            labels, distances = self._hnsw.knn_query(queries, k=k_eff, num_threads=self.threads)
            ids[:, :k_eff], sims[:, :k_eff] = labels, 1.0 - distances
            return ids, sims
        stored = self.vectors
        for start in range(0, len(queries), self.block):
            block = queries[start:start + self.block] @ stored.T
            top = np.argpartition(-block, k_eff - 1, axis=1)[:, :k_eff]
            top_sims = np.take_along_axis(block, top, axis=1)
            order = np.lexsort((top, -top_sims), axis=1)
            ids[start:start + len(block), :k_eff] = np.take_along_axis(top, order, axis=1)
            sims[start:start + len(block), :k_eff] = np.take_along_axis(top_sims, order, axis=1)
        return ids, sims
