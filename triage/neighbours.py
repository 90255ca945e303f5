"""Nearest-neighbour search over unit vectors that grows one suggestion at a time.

Exact search (blocked matrix products, never an n×n matrix in memory) is deterministic and fast up to tens of
thousands of vectors. Past ``exact_max`` the index becomes an inverted file: the vectors are split into about √n
cells by spherical k-means, and a query is compared only with the members of the ``probe`` cells whose centres lie
nearest it. The queries probing one cell are compared with its members in one matrix product, so the whole
k-nearest-neighbour graph costs about ``probe / √n`` of the exact search's work, with numpy alone.

What it can miss is a neighbour in a cell it does not probe: mostly far neighbours, which the issue finder compares
but hardly ever links (see README, Scale, for how many issues change against exact search).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

# k-means: rounds of Lloyd's algorithm, and vectors sampled per cell to learn the centres from.
ROUNDS = 10
SAMPLE_PER_CELL = 64
# Candidates (query × probed cell × k) held at once while searching the cells, per thread.
CHUNK_CANDIDATES = 4_000_000
# Threads answering chunks of queries at once (the machines this runs on have two cores or more).
THREADS = 2
# Exact search: a block of at least this many queries has its neighbours selected on two threads.
PARALLEL_ROWS = 256


class NeighbourIndex:
    """Cosine k-nearest-neighbour search with incremental ``add``."""

    def __init__(self, dim: int, exact_max: int = 20000, probe: int = 16, block: int = 2048):
        self.dim = dim
        self.exact_max = exact_max
        self.probe = probe
        self.block = block
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._count = 0
        # The inverted file, once the index passes ``exact_max``: the cells' centres, each vector's cell, each
        # cell's members in position order, and the size it was learnt at (learnt again when the index has doubled).
        self._centres: np.ndarray | None = None
        self._cell = np.zeros(0, dtype=np.int64)
        self._members: list[np.ndarray] = []
        self._learnt_at = 0

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
        if self._count <= self.exact_max:
            return
        if self._centres is None or self._count >= 2 * self._learnt_at:
            self._learn_cells()
        else:
            cells = _nearest(vectors, self._centres)
            for cell in np.unique(cells):
                self._members[cell] = np.concatenate((self._members[cell], start + np.flatnonzero(cells == cell)))
            self._cell = np.concatenate((self._cell, cells))

    def _learn_cells(self) -> None:
        """Spherical k-means into about √n cells, learnt on a sample (seeded: the same vectors give the same cells)."""
        vectors = self.vectors
        cells = max(1, round(math.sqrt(len(vectors))))
        rng = np.random.default_rng(7)
        sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), SAMPLE_PER_CELL * cells), replace=False))]
        centres = sample[np.sort(rng.choice(len(sample), cells, replace=False))]
        for _ in range(ROUNDS):
            owner = _nearest(sample, centres)
            sums = sp.csr_matrix((np.ones(len(sample), dtype=np.float32), (owner, np.arange(len(sample)))),
                                 shape=(cells, len(sample))) @ sample
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centres = np.where(norms > 0, sums / np.where(norms > 0, norms, 1.0), centres).astype(np.float32)
        self._centres = centres
        self._cell = _nearest(vectors, centres)
        order = np.argsort(self._cell, kind="stable")
        self._members = np.split(order, np.cumsum(np.bincount(self._cell, minlength=cells))[:-1])
        self._learnt_at = len(vectors)

    def search(self, queries: np.ndarray, k: int,
               progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For each query, the positions and cosine similarities of its ``k`` nearest stored vectors, best first
        (ties: the lower position first); ``progress`` hears the share of queries answered.

        Rows are padded with position -1 and similarity -inf when fewer than ``k`` vectors are stored or probed.
        """
        report = progress or (lambda fraction: None)
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.dim)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        if min(k, self._count) == 0 or len(queries) == 0:
            return ids, sims
        if self._centres is None:
            candidates = np.arange(self._count)
            for start in range(0, len(queries), self.block):
                rows = np.arange(start, min(len(queries), start + self.block))
                _nearest_of(queries[rows], self.vectors, candidates, k, ids, sims, rows)
                report((rows[-1] + 1) / len(queries))
            return ids, sims
        # In chunks of queries: each query's k best in each of its probed cells, then its k best of those. BLAS on one
        # thread: a cell's product is small, and a second thread costs more CPU in waiting than it saves.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._probed(queries, k, report)

    def _probed(self, queries: np.ndarray, k: int, report: Callable[[float], None]) -> tuple[np.ndarray, np.ndarray]:
        """``search`` past ``exact_max``: each query among the members of its ``probe`` nearest cells, in chunks of
        queries answered on ``THREADS`` threads (numpy's products, partitions and sorts release the interpreter)."""
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        chunk = max(1, CHUNK_CANDIDATES // (min(self.probe, len(self._centres)) * k))
        chunks = [np.arange(first, min(len(queries), first + chunk)) for first in range(0, len(queries), chunk)]
        def answer(rows: np.ndarray) -> np.ndarray:
            return self._probe_chunk(queries, rows, k, ids, sims)

        if len(chunks) == 1:  # one suggestion placed: no threads to start
            answer(chunks[0])
            return ids, sims
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for rows in pool.map(answer, chunks):
                report(rows[-1] / len(queries) + 1 / len(queries))
        return ids, sims

    def _probe_chunk(self, queries: np.ndarray, rows: np.ndarray, k: int, ids: np.ndarray,
                     sims: np.ndarray) -> np.ndarray:
        """Answer the queries ``rows`` into ``ids`` and ``sims``; returns ``rows``.

        Each cell's queries are compared with its members in one product. Of a query's similarities in a cell only
        the k largest values are kept (a partition: no positions, no order), and the members at or above the k-th of
        them; once every probed cell is done, the k-th largest of the kept values is the query's floor, and the
        members at or above it (k, more only where similarities tie) are put in order, best first, ties by position.
        """
        probe = min(self.probe, len(self._centres))
        near = np.argpartition(-(queries[rows] @ self._centres.T), probe - 1, axis=1)[:, :probe] \
            if probe < len(self._centres) else np.tile(np.arange(probe), (len(rows), 1))
        best = np.full((len(rows), probe * k), -np.inf, dtype=np.float32)  # per (query, probed cell): k values
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (query, position, similarity)
        pairs = np.argsort(near.ravel(), kind="stable")  # (query, probed cell) pairs, by cell
        cells = near.ravel()[pairs]
        bounds = np.flatnonzero(np.diff(cells)) + 1
        for cell, part in zip(cells[np.concatenate(([0], bounds))], np.split(pairs, bounds)):
            members = self._members[cell]
            if not len(members):
                continue
            stored = self.vectors[members]
            for start in range(0, len(part), self.block):
                owner, slot = np.divmod(part[start:start + self.block], probe)
                block = queries[rows[owner]] @ stored.T
                top = np.partition(block, len(members) - k, axis=1)[:, len(members) - k:] \
                    if len(members) > k else block
                best[owner[:, None], slot[:, None] * k + np.arange(top.shape[1])] = top
                at, column = np.nonzero(block >= top.min(axis=1)[:, None])
                found.append((owner[at], members[column], block[at, column]))
        if not found:
            return rows
        floor = np.partition(best, best.shape[1] - k, axis=1)[:, best.shape[1] - k] \
            if best.shape[1] > k else best.min(axis=1)
        owner, position, similarity = (np.concatenate(parts) for parts in zip(*found))
        kept = similarity >= floor[owner]
        owner, position, similarity = owner[kept], position[kept], similarity[kept]
        order = np.lexsort((position, -similarity, owner))
        owner, position, similarity = owner[order], position[order], similarity[order]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
        kept = rank < k
        ids[rows[owner[kept]], rank[kept]] = position[kept]
        sims[rows[owner[kept]], rank[kept]] = similarity[kept]
        return rows


def _nearest(vectors: np.ndarray, centres: np.ndarray, block: int = 8192) -> np.ndarray:
    """Each vector's most similar centre."""
    found = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), block):
        found[start:start + block] = np.argmax(vectors[start:start + block] @ centres.T, axis=1)
    return found


def _nearest_of(queries: np.ndarray, stored: np.ndarray, candidates: np.ndarray, k: int, ids: np.ndarray,
                sims: np.ndarray, rows: np.ndarray) -> None:
    """Write into ``ids[rows]`` and ``sims[rows]`` each query's k most similar candidates (positions into
    ``stored``, in increasing order), best first, ties by position."""
    block = queries @ (stored if len(candidates) == len(stored) else stored[candidates]).T
    k_eff = min(k, len(candidates))
    # Negated in place rather than into a copy (a block is queries × stored): the k largest are the k smallest.
    negated = np.negative(block, out=block)

    def select(part: slice) -> None:
        top = np.argpartition(negated[part], k_eff - 1, axis=1)[:, :k_eff]
        top_negated = np.take_along_axis(negated[part], top, axis=1)
        order = np.lexsort((top, top_negated), axis=1)
        ids[rows[part], :k_eff] = candidates[np.take_along_axis(top, order, axis=1)]
        sims[rows[part], :k_eff] = -np.take_along_axis(top_negated, order, axis=1)

    # Each row is selected on its own, so halves of a large block go on two threads (numpy's partitions and sorts
    # release the interpreter): the same rows, in half the time on two cores.
    if len(rows) < PARALLEL_ROWS:
        select(slice(None))
        return
    half = len(rows) // 2
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(select, (slice(0, half), slice(half, None))))
