"""Latency of ``POST /v1/score`` through real HTTP, from 1 and from 8 concurrent clients.

Starts ``triage serve`` (default embedder e5) over a fresh SQLite store with the 4,326 shared messages loaded,
then scores real messages the store has never seen (the 2,816 messages of ``messages_replies.xlsx``) and prints
p50, p95, p99 latency and requests per second. The embedding cache is copied into a scratch folder with the query
texts removed, so every request runs the model: the figures are for new text, as the intake form sends it.

    .venv/bin/python benchmarks/api_latency.py                       # e5, 300 + 800 requests
    .venv/bin/python benchmarks/api_latency.py --embedder tfidf --requests 100

Target on a 2-core machine, single client: p50 <= 80 ms and p99 <= 250 ms. Loading 4,326 messages with e5 takes
minutes the first time; ``.cache/embeddings.sqlite`` makes later runs fast.
"""
from __future__ import annotations

import argparse
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
from served import REPO, percentile, run_clients, start_service

DATA = REPO.parent / "shared" / "data" / "tipdm2020c"
TARGET_P50_MS, TARGET_P99_MS = 80.0, 250.0


def query_messages(path: Path, count: int, seed: int) -> list[dict]:
    from triage.intake import load

    accepted = load([path]).accepted
    random.Random(seed).shuffle(accepted)
    return [{"title": s.original_title, "body": s.original_body} for s in accepted[:count]]


def scratch_cache(folder: Path, queries: list[dict]) -> Path:
    """A copy of the project's embedding cache without the query texts, so scoring them runs the model."""
    from triage.config import load_config
    from triage.embed import passage_text
    from triage.embed.cache import text_hash
    from triage.intake import PRESETS, build_suggestion

    cache = folder / "cache"
    cache.mkdir()
    source = REPO / ".cache" / "embeddings.sqlite"
    if source.exists():
        shutil.copy(source, cache / "embeddings.sqlite")
        limit = load_config()["embed"]["max_body_chars"]
        hashes = [text_hash(passage_text(build_suggestion({**q, "id": "q"}, PRESETS["canonical"], "q", 1), limit))
                  for q in queries]
        with sqlite3.connect(cache / "embeddings.sqlite") as db:
            db.executemany("DELETE FROM vectors WHERE hash = ?", [(h,) for h in hashes])
    return cache


def timed_scores(url: str, key: str, queries: list[dict], clients: int) -> tuple[list[float], float]:
    """Score each query once, spread over ``clients`` concurrent clients; latencies in seconds and the wall time."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def send(http: httpx.Client, query: dict) -> None:
        start = time.perf_counter()
        response = http.post("/v1/score", json=query)
        elapsed = time.perf_counter() - start
        with lock:
            if response.status_code == 200:
                latencies.append(elapsed)
            else:
                failures.append(f"{response.status_code} {response.text[:200]}")

    wall = run_clients(url, [key] * clients, queries, send)
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return latencies, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--load", type=Path, default=DATA / "messages_hot.xlsx", help="messages stored at start")
    parser.add_argument("--queries", type=Path, default=DATA / "messages_replies.xlsx", help="messages scored")
    parser.add_argument("--requests", type=int, default=300, help="requests from the single client")
    parser.add_argument("--concurrent-requests", type=int, default=800, help="requests from the 8 clients")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start-timeout", type=float, default=3600)
    args = parser.parse_args()

    from api.auth import create_key
    from api.store import Store

    needed = args.warmup + args.requests + args.concurrent_requests
    queries = query_messages(args.queries, needed, args.seed)
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as scratch:
        folder = Path(scratch)
        db = f"sqlite:///{folder / 'bench.db'}"
        store = Store(db)
        store.upgrade()
        key = create_key(store, "intake", "api_latency benchmark", actor="benchmark")[1]
        store.close()
        cache = scratch_cache(folder, queries)
        print(f"starting triage serve (embedder {args.embedder}, loading {args.load.name}) ...", flush=True)
        serve_args = ["--db", db, "--embedder", args.embedder, "--load", str(args.load),
                      "--set", f'embed.cache_dir="{cache}"']
        process, url, health, startup = start_service(folder, serve_args, args.start_timeout)
        try:
            print(f"ready in {startup:.0f} s: {health['suggestions']} suggestions, {health['issues']} issues; "
                  f"scoring {len(queries)} unseen messages from {args.queries.name}", flush=True)
            timed_scores(url, key, queries[:args.warmup], 1)
            rest = queries[args.warmup:]
            rows = []
            for clients, total, offset in ((1, args.requests, 0), (8, args.concurrent_requests, args.requests)):
                latencies, wall = timed_scores(url, key, rest[offset:offset + total], clients)
                rows.append((clients, len(latencies), *(1000 * percentile(latencies, q) for q in (50, 95, 99)),
                             1000 * statistics.fmean(latencies), len(latencies) / wall))
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"\nPOST /v1/score, embedder {args.embedder}, {health['suggestions']} suggestions stored")
    print(f"{'clients':>7} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'req/s':>7}")
    for clients, count, p50, p95, p99, mean, rps in rows:
        print(f"{clients:>7} {count:>8} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {mean:>8.1f} {rps:>7.1f}")
    _, _, p50, _, p99, _, _ = rows[0]
    verdict = "met" if p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS else "NOT met"
    print(f"single-client target (p50 <= {TARGET_P50_MS:.0f} ms, p99 <= {TARGET_P99_MS:.0f} ms): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
