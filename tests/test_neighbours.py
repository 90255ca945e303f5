"""The neighbour index past ``exact_max``: the close neighbours the issue finder links are the ones exact search
finds, in the same order, also for vectors added one at a time after the cells were learnt."""
import numpy as np

from triage.issues import neighbour_graph
from triage.neighbours import NeighbourIndex


def _clustered(n: int, clusters: int, seed: int) -> np.ndarray:
    """Unit vectors in a narrow cone (as sentence embeddings are), around ``clusters`` centres."""
    rng = np.random.default_rng(seed)
    cone, centres = rng.standard_normal(64), rng.standard_normal((clusters, 64))
    rows = 3 * cone / np.linalg.norm(cone) + centres[rng.integers(0, clusters, n)] / 8 + rng.standard_normal((n, 64)) / 40
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _close(ids: np.ndarray, sims: np.ndarray, floor: float) -> list[list[int]]:
    return [row[row_sims >= floor].tolist() for row, row_sims in zip(ids, sims)]


def test_past_exact_max_close_neighbours_are_those_exact_search_finds():
    vectors = _clustered(3000, 400, seed=1)
    exact, cells = NeighbourIndex(64, exact_max=10 ** 6), NeighbourIndex(64, exact_max=1000, probe=4)
    exact.add(vectors[:2000])
    cells.add(vectors[:2000])  # past exact_max: cells are learnt
    for vector in vectors[2000:2200]:  # one at a time, placed into the learnt cells
        exact.add(vector)
        cells.add(vector)
    queries = _clustered(50, 400, seed=1)
    want, got = exact.search(queries, 10), cells.search(queries, 10)
    assert _close(*got, 0.98) == _close(*want, 0.98)  # a cluster's members, about 0.996 apart (others: 0.9)
    # The whole graph as the finder reads it: every pair within a cluster's core is an edge both ways.
    graph, sims = neighbour_graph(cells, 5), exact.search(exact.vectors, 6)
    for i, (row, row_sims) in enumerate(zip(*sims)):
        assert all(int(j) in graph[i] and i in graph[int(j)] for j in row[row_sims >= 0.98] if j != i)


def test_vectors_added_after_the_index_doubled_are_found():
    vectors = _clustered(900, 150, seed=2)
    exact, cells = NeighbourIndex(64, exact_max=10 ** 6), NeighbourIndex(64, exact_max=100, probe=3)
    for part in (vectors[:150], vectors[150:]):  # 900 ≥ 2 × 150: the cells are learnt again
        exact.add(part)
        cells.add(part)
    want, got = exact.search(vectors[::30], 8), cells.search(vectors[::30], 8)
    assert _close(*got, 0.98) == _close(*want, 0.98)
    assert got[0][:, 0].tolist() == list(range(0, 900, 30))  # each vector is its own nearest
