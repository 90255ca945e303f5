"""Issue finding at scale: seconds and peak memory of ``Workspace.fit`` at 10k, 30k and 100k suggestions.

Each size runs in a fresh subprocess, so its peak resident memory (``ru_maxrss``: numpy arrays and Python objects
alike) is its own. The suggestions are synthetic but shaped like the real ones, so there are real issues to find:

- vectors: unit vectors in a narrow cone as e5's are (unrelated texts sit near cosine ``UNRELATED_COSINE``), with
  cluster centres and members sampled around them at a per-cluster spread, so members of most issues link above
  the finder's threshold and the loosest ones only partly; the rest are singletons;
- reposts: a share of suggestions repeat an earlier original (``duplicate_of`` set, vector almost identical), as
  ``prepare`` would have linked them;
- text: titles and ~real-length bodies drawn from a made-up Chinese vocabulary, a cluster's members sharing its
  words; tokens are given to ``fit`` as ``prepare`` gives them, so segmentation is not timed.

The code path is the product's: ``Workspace.fit`` (load: neighbour index, segmenter frequencies, repost linker;
then ``recluster``: snapshot index, ``IssueFinder.fit``, reposts placed). ``NeighbourIndex`` is exact up to
``issues.index.exact_max`` vectors and searches ``issues.index.probe`` k-means cells per query above. Steps are timed through ``recluster``'s own progress reports.

    python benchmarks/scale.py                          # 10k, 30k, 100k
    python benchmarks/scale.py --sizes 10000 30000      # chosen sizes
    python benchmarks/scale.py --rank                   # also time key-topic and digest ranking
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import numpy as np

DIM = 384
# e5 places unrelated suggestions near this cosine and a shared issue's members well above the finder's threshold.
UNRELATED_COSINE = 0.78
# Members per cluster follow a Zipf law cut at MAX_CLUSTER; CLUSTERED_SHARE of suggestions belong to a cluster.
CLUSTERED_SHARE = 0.4
MAX_CLUSTER = 200
REPOST_SHARE = 0.05
# Spread of a member around its centre (per-cluster, uniform in this range): a spread of s gives members a mutual
# cosine near (a² + 1/(1+s²)) / (a² + 1), a² = UNRELATED_COSINE / (1 - UNRELATED_COSINE); 0.45–0.95 spans about
# 0.96 to 0.91, so the loosest clusters link only in part at the default threshold 0.9.
SPREAD = (0.45, 0.95)
BODY_CHARS = (60, 600)
VOCABULARY = 30000
WORDS_PER_CLUSTER = 12
DEFAULT_SIZES = (10000, 30000, 100000)


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cluster_sizes(n: int, rng: np.random.Generator) -> list[int]:
    """Cluster sizes (2..MAX_CLUSTER, Zipf-like) covering about CLUSTERED_SHARE of n originals."""
    target, sizes = int(n * CLUSTERED_SHARE), []
    while sum(sizes) < target:
        sizes.append(int(min(MAX_CLUSTER, 1 + rng.zipf(1.8))))
    return [s for s in sizes if s >= 2]


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def synthetic_corpus(n: int, seed: int = 7):
    """``n`` suggestions with duplicate links set, their vectors and tokens, and the number of planted clusters."""
    from triage.records import Suggestion

    rng = np.random.default_rng(seed)
    reposts = int(n * REPOST_SHARE)
    originals = n - reposts
    sizes = cluster_sizes(originals, rng)
    clustered = min(sum(sizes), originals)
    group = np.concatenate([np.repeat(np.arange(len(sizes)), sizes)[:clustered],
                            np.arange(len(sizes), len(sizes) + originals - clustered)])
    rng.shuffle(group)
    groups = int(group.max()) + 1

    cone = unit(rng.standard_normal((1, DIM)))
    lift = math.sqrt(UNRELATED_COSINE / (1 - UNRELATED_COSINE))
    centres = unit(rng.standard_normal((groups, DIM)))
    spread = rng.uniform(*SPREAD, size=groups)
    noise = rng.standard_normal((originals, DIM)) / math.sqrt(DIM)
    vectors = unit(lift * cone + unit(centres[group] + spread[group, None] * noise)).astype(np.float32)

    words = ["".join(chr(0x4E00 + c) for c in rng.integers(0, 20000, size=rng.integers(2, 4)))
             for _ in range(VOCABULARY)]
    group_words = rng.integers(0, VOCABULARY, size=(groups, WORDS_PER_CLUSTER))
    start = datetime(2019, 1, 1)
    suggestions, tokens = [], []
    for i in range(originals):
        own = [words[w] for w in group_words[group[i]][rng.integers(0, WORDS_PER_CLUSTER, size=4)]]
        body_words = own + [words[w] for w in rng.integers(0, VOCABULARY, size=rng.integers(*BODY_CHARS) // 3)]
        rng.shuffle(body_words)
        title = f"关于{own[0]}{own[1]}的建议"
        suggestions.append(Suggestion(
            id=str(100000 + i), title=title, body="，".join(body_words), submitter=f"org{rng.integers(0, n // 5)}",
            sector=f"行业{group[i] % 30}", district=f"A{group[i] % 9 + 1}区",
            submitted_at=start + timedelta(minutes=int(rng.integers(0, 2 * 365 * 24 * 60))),
            endorsements=int(rng.poisson(2)), opposes=int(rng.poisson(0.3))))
        tokens.append(own[:2] + body_words)
    repeated = rng.integers(0, originals, size=reposts)
    repost_vectors = unit(vectors[repeated] + 0.05 * rng.standard_normal((reposts, DIM)) / math.sqrt(DIM))
    for i, original in enumerate(repeated):
        source = suggestions[original]
        suggestions.append(Suggestion(
            id=str(100000 + originals + i), title=source.title, body=source.body + "（转发）",
            submitter=f"org{rng.integers(0, n // 5)}", sector=source.sector, district=source.district,
            submitted_at=source.submitted_at + timedelta(days=1), duplicate_of=source.id))
        tokens.append(list(tokens[original]))
    return suggestions, np.vstack([vectors, repost_vectors.astype(np.float32)]), tokens, len(sizes)


def measure(n: int, rank: bool) -> dict:
    """Build one corpus of ``n`` and fit a workspace on it; runs inside the per-size subprocess."""
    from triage.config import load_config
    from triage.workspace import Workspace

    suggestions, vectors, tokens, planted = synthetic_corpus(n)
    data_mb = rss_mb()
    config = load_config()
    # No cache: a corpus this size is new to the service, and synthetic texts must not fill the shared cache (the
    # digest's feature values of every suggestion would otherwise be written there, and read back on the next run).
    config["embed"]["cache_dir"] = None
    workspace = Workspace(config)
    # CPU time (all threads of this process) beside wall time: on a shared machine it is the steadier figure.
    stages: dict[str, float] = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    workspace.fit(suggestions, vectors, tokens,
                  progress=lambda fraction, stage: stages.setdefault(stage, time.process_time()))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    fit_mb = rss_mb()
    originals = Counter(workspace.issue_of(s.id) for s in suggestions if s.duplicate_of is None)
    result = {
        "n": n, "seconds": seconds, "cpu": cpu, "data_mb": data_mb, "peak_mb": fit_mb, "planted": planted,
        "issues": len(set(workspace.assignments().values())),
        "shared": sum(1 for count in originals.values() if count > 1),
        "load_cpu": stages.get("snapshot", cpu_start) - cpu_start,
        "index_cpu": stages.get("index", cpu_start) - stages.get("snapshot", cpu_start),
        "link_cpu": stages.get("done", cpu_start) - stages.get("index", cpu_start),
        "exact_max": config["issues"]["index"]["exact_max"], "probe": config["issues"]["index"]["probe"],
    }
    if rank:
        start, cpu_start = time.perf_counter(), time.process_time()
        workspace.key_topics()
        workspace.digest()
        result["rank_s"], result["rank_cpu"] = time.perf_counter() - start, time.process_time() - cpu_start
        result["rank_peak_mb"] = rss_mb()
    return result


def run_child(n: int, rank: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(n)] + (["--rank"] if rank else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"size {n} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(results: list[dict], rank: bool) -> None:
    print(f"{'size':>7}  {'seconds':>8}  {'s/1k':>6}  {'cpu s':>7}  {'cpu/1k':>6}  {'peak MB':>7}  {'data MB':>7}  "
          f"{'load':>6}  {'index':>6}  {'link':>6}  {'issues':>6}  {'shared':>6}  {'planted':>7}"
          + ("  rank s  rank cpu  rank MB" if rank else ""))
    for r in results:
        per_1k = 1000 / r["n"]
        line = (f"{r['n']:>7}  {r['seconds']:>8.2f}  {r['seconds'] * per_1k:>6.3f}  {r['cpu']:>7.2f}  "
                f"{r['cpu'] * per_1k:>6.3f}  {r['peak_mb']:>7.0f}  {r['data_mb']:>7.0f}  {r['load_cpu']:>6.2f}  "
                f"{r['index_cpu']:>6.2f}  {r['link_cpu']:>6.2f}  {r['issues']:>6}  {r['shared']:>6}  {r['planted']:>7}")
        if rank:
            line += f"  {r['rank_s']:>6.2f}  {r['rank_cpu']:>8.2f}  {r['rank_peak_mb']:>7.0f}"
        print(line)
    print("seconds / cpu s = Workspace.fit, wall / CPU of all threads; load, index, link = its CPU seconds in "
          "load (index, segmenter, repost linker), recluster's snapshot index, and IssueFinder.fit + reposts placed;")
    print(f"peak MB = ru_maxrss after fit, data MB = before it; shared = issues with 2+ originals, planted = "
          f"clusters generated; exact search up to {results[0]['exact_max']} vectors, above it "
          f"{results[0]['probe']} of about √n k-means cells probed per query")
    for a, b in zip(results, results[1:]):
        scale = math.log(b["n"] / a["n"])
        print(f"growth {a['n']} -> {b['n']}: wall ~ n^{math.log(b['seconds'] / a['seconds']) / scale:.2f}, "
              f"cpu ~ n^{math.log(b['cpu'] / a['cpu']) / scale:.2f}, "
              f"peak memory ~ n^{math.log(b['peak_mb'] / a['peak_mb']) / scale:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), metavar="N",
                        help="numbers of suggestions (default 10000 30000 100000)")
    parser.add_argument("--rank", action="store_true", help="also time key_topics() and digest() after the fit")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child, args.rank)))
        return 0
    results = []
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr, flush=True)
    for n in sorted(args.sizes):
        print(f"size {n} ...", file=sys.stderr, flush=True)
        results.append(run_child(n, args.rank))
        print(f"  {results[-1]['seconds']:.1f}s wall, {results[-1]['cpu']:.1f}s cpu, "
              f"peak {results[-1]['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
    print_table(results, args.rank)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
