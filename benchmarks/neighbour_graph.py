"""What the approximate neighbour search costs the issue finder: graphs from exact search and from the cell index.

On ``benchmarks/scale.py``'s synthetic corpus, the k-nearest-neighbour graph is built by exact search and by the
cell index at several ``probe`` values (and by HNSW as the project used it before, when hnswlib is installed); the
finder runs on each graph with the configured rule, and each graph is compared with the exact one: CPU seconds of the
search, recall of the k + 1 nearest, recall of the neighbours at or above the rule's cosine floor (those it can
link), and the share of suggestions whose issue has exactly the members it has with exact search.

    python benchmarks/neighbour_graph.py                 # 30,000 suggestions, probe 8 16 32
    python benchmarks/neighbour_graph.py --size 10000 --probes 16
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402  (the synthetic corpus)


def graph_of(ids: np.ndarray) -> list[set[int]]:
    graph: list[set[int]] = [set() for _ in range(len(ids))]
    for i, row in enumerate(ids):
        for j in row.tolist():
            if j >= 0 and j != i:
                graph[i].add(j)
                graph[j].add(i)
    return graph


def issue_members(labels: np.ndarray) -> list[frozenset[int]]:
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    members = {label: frozenset(group) for label, group in groups.items()}
    return [members[label] for label in labels.tolist()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=30000)
    parser.add_argument("--probes", type=int, nargs="+", default=[8, 16, 32])
    args = parser.parse_args(argv)
    from triage.config import load_config
    from triage.issues import IssueFinder, item_profiles
    from triage.neighbours import NeighbourIndex
    from triage.workspace import Workspace

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    suggestions, vectors, tokens, _ = scale.synthetic_corpus(args.size)
    config = load_config()
    workspace = Workspace(config)
    k = workspace.finder.k + 1
    exact = NeighbourIndex(vectors.shape[1], exact_max=len(vectors))
    exact.add(vectors)
    workspace._load(suggestions, vectors, tokens)  # the name and word views, learnt as ``fit`` learns them
    items = item_profiles(workspace._views, suggestions, vectors, workspace._name_rows, workspace._word_rows)
    floor = getattr(workspace.finder.rule, "cosine_floor_", workspace.finder.rule.threshold)
    started = time.process_time()
    exact_ids, exact_sims = exact.search(vectors, k)
    graphs = [("exact", time.process_time() - started, exact_ids)]
    for probe in args.probes:
        started = time.process_time()
        index = NeighbourIndex(vectors.shape[1], exact_max=0, probe=probe)
        index.add(vectors)
        graphs.append((f"cells, probe {probe}", time.process_time() - started, index.search(vectors, k)[0]))
    try:
        import hnswlib
    except ImportError:
        pass
    else:
        started = time.process_time()
        hnsw = hnswlib.Index(space="ip", dim=vectors.shape[1])
        hnsw.init_index(max_elements=2 * len(vectors), ef_construction=200, M=16, random_seed=7)
        hnsw.add_items(vectors, np.arange(len(vectors)), num_threads=2)
        hnsw.set_ef(128)
        graphs.append(("HNSW (ef_construction 200, M 16, ef 128)", time.process_time() - started,
                       hnsw.knn_query(vectors, k=k, num_threads=2)[0].astype(np.int64)))
    close = exact_sims >= floor
    base = None
    print(f"{'graph':<42}  {'cpu s':>6}  {'recall':>6}  {'close':>7}  {'same issue':>10}")
    for name, cpu, ids in graphs:
        recall = np.mean([len(set(a.tolist()) & set(b.tolist())) / k for a, b in zip(ids, exact_ids)])
        found = sum(len(set(a[c].tolist()) & set(b.tolist())) for a, b, c in zip(exact_ids, ids, close))
        labels = IssueFinder(workspace.finder.rule, k=workspace.finder.k).fit(None, items, graph=graph_of(ids)).labels_
        members = issue_members(labels)
        base = base or members
        same = np.mean([m == b for m, b in zip(members, base)])
        print(f"{name:<42}  {cpu:>6.1f}  {recall:>6.3f}  {found / max(1, close.sum()):>7.4f}  {same:>10.4f}",
              flush=True)
    print(f"recall = of the {k} nearest; close = of the neighbours with cosine ≥ {floor:.3f} (the rule's floor); "
          f"same issue = share of suggestions whose issue has the same members as with exact search")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
