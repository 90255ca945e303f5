"""Load without loss: a bounded burst of suggestions from many concurrent clients, the same ids sent again and again.

Starts ``triage serve`` on 127.0.0.1 over a fresh SQLite store (nothing leaves the machine), gives each client an
intake key of its own, and sends ``--distinct`` suggestions in batches from ``--clients`` threads; a share of the
requests (``--repeat``) resend a batch or a single suggestion already sent, as an intake system retrying after a
timeout does. Afterwards the store is read directly and must hold each distinct suggestion exactly once, with one
audit entry each, and the service's own count must agree.

    .venv/bin/python benchmarks/load.py                                  # 8 clients, 2,000 suggestions, tfidf
    .venv/bin/python benchmarks/load.py --clients 16 --distinct 10000      # the burst of ten thousand

Prints: requests and suggestions sent, stored, duplicates refused (sent again, not stored again), errors,
answers retried after Retry-After (429 rate limited, 503/507 store away or full) and request latency p50 / p95 / p99.
"""
from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from served import REPO, percentile, run_clients, start_service

SAMPLE = REPO / "samples" / "suggestions.csv"



def distinct_suggestions(count: int, seed: int) -> list[dict]:
    """``count`` suggestions with distinct ids and texts, built from the shipped sample's real texts."""
    from triage.intake import load

    texts = [(s.original_title, s.original_body, s.submitter, s.sector) for s in load([SAMPLE]).accepted]
    rng = random.Random(seed)
    items = []
    for n in range(count):
        title, body, submitter, sector = texts[n % len(texts)]
        items.append({"id": f"load-{n:06d}", "title": title, "body": f"{body}（第{n}号，{rng.randint(1, 10**6)}）",
                      "submitter": submitter, "sector": sector})
    return items


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.items_sent = 0
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.waited: Counter[int] = Counter()  # 429 (rate limit), 503/507 (store away or full), each retried
        self.timed_out = 0  # requests without an answer within the client's timeout, sent again
        self.answers: dict[str, dict] = {}
        self.mismatched = 0  # a repeat answered differently from the first time

    def record(self, items: list[dict], response: httpx.Response, elapsed: float) -> None:
        with self.lock:
            self.requests += 1
            self.items_sent += len(items)
            self.latencies.append(elapsed)
            if response.status_code not in (200, 201):
                self.errors.append(f"{response.status_code} {response.text[:200]}")
                return
            body = response.json()
            for answer in body["items"] if "items" in body else [body]:
                first = self.answers.setdefault(answer["id"], answer)
                self.mismatched += first != answer


def send_until_answered(tally: Tally) -> Callable[[httpx.Client, list[dict]], None]:
    """Post one piece of work, waiting out 429, 503 and 507 as an intake system should (the same ids again after
    ``Retry-After``; after a timeout at once), and tally the answer."""
    def send(http: httpx.Client, items: list[dict]) -> None:
        payload = {"items": items} if len(items) > 1 else items[0]
        while True:
            start = time.perf_counter()
            try:
                response = http.post("/v1/suggestions", json=payload)
            except httpx.TimeoutException:  # no answer in time: the same ids again, which stores nothing twice
                with tally.lock:
                    tally.timed_out += 1
                continue
            except httpx.TransportError as error:
                with tally.lock:
                    tally.requests += 1
                    tally.errors.append(f"transport: {error}")
                return
            if response.status_code in (429, 503, 507):  # over budget, or the store away: the same ids again later
                with tally.lock:
                    tally.waited[response.status_code] += 1
                time.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            tally.record(items, response, time.perf_counter() - start)
            return

    return send


def plan(items: list[dict], batch: int, repeat: float, seed: int) -> list[list[dict]]:
    """Batches of new suggestions in order, with repeats (whole batches and single items) mixed in at random."""
    rng = random.Random(seed)
    fresh = [items[i:i + batch] for i in range(0, len(items), batch)]
    work: list[list[dict]] = []
    for chunk in fresh:
        work.append(chunk)
        while rng.random() < repeat:
            earlier = rng.choice(work)
            work.append(list(earlier) if rng.random() < 0.5 else [rng.choice(earlier)])
    return work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--distinct", type=int, default=2000, help="distinct suggestions sent")
    parser.add_argument("--batch", type=int, default=20, help="suggestions per request")
    parser.add_argument("--repeat", type=float, default=0.3, help="chance of a repeat after each request")
    parser.add_argument("--embedder", default="tfidf")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--start-timeout", type=float, default=600)
    args = parser.parse_args()

    from api.auth import create_key
    from api.store import Store

    items = distinct_suggestions(args.distinct, args.seed)
    work = plan(items, args.batch, args.repeat, args.seed)
    with tempfile.TemporaryDirectory(prefix="triage-load-") as scratch:
        folder = Path(scratch)
        path = folder / "load.db"
        db = f"sqlite:///{path}"
        store = Store(db)
        store.upgrade()
        keys = [create_key(store, "intake", f"load client {n}", actor="benchmark")[1] for n in range(args.clients)]
        store.close()
        print(f"starting triage serve (embedder {args.embedder}) on 127.0.0.1 ...", flush=True)
        process, url, _, _ = start_service(folder, ["--db", db, "--embedder", args.embedder, "--set", f'embed.cache_dir="{folder / "cache"}"'], args.start_timeout)
        try:
            tally = Tally()
            print(f"{args.clients} clients sending {len(work)} requests ...", flush=True)
            wall = run_clients(url, keys, work, send_until_answered(tally))
            reported = httpx.get(f"{url}/healthz", timeout=30).json()["suggestions"]
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        with sqlite3.connect(path) as connection:
            stored_ids = [r[0] for r in connection.execute("SELECT id FROM suggestions")]
            created = [r[0] for r in connection.execute(
                "SELECT target_id FROM audit_log WHERE action = 'suggestion.create'")]
            embedded = connection.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]

    sent_ids = {item["id"] for chunk in work for item in chunk}
    distinct = len(sent_ids)
    stored = len(stored_ids)
    refused = tally.items_sent - stored
    lost = sent_ids - set(stored_ids)
    held = (stored == len(set(stored_ids)) == distinct == reported == len(created) == len(set(created)) == embedded
            and not lost and not tally.errors and not tally.mismatched)
    ms = [1000 * percentile(tally.latencies, q) for q in (50, 95, 99)]
    print(f"\nPOST /v1/suggestions from {args.clients} concurrent clients, batches of up to {args.batch}, "
          f"embedder {args.embedder}, loopback only")
    print(f"sent                 {tally.requests} requests, {tally.items_sent} suggestions ({distinct} distinct) "
          f"in {wall:.1f} s ({tally.items_sent / wall:.0f} suggestions/s)")
    print(f"stored               {stored} (service reports {reported}; {len(created)} audited, {embedded} vectors)")
    print(f"duplicates refused   {refused} (sent again, stored once; {tally.mismatched} answered differently)")
    print(f"errors               {len(tally.errors)}" + (f"  first: {tally.errors[0]}" if tally.errors else ""))
    print(f"retried              {tally.waited[429]} rate limited, {tally.waited[503] + tally.waited[507]} store away "
          f"or full (after Retry-After), {tally.timed_out} timed out: the same ids again")
    print(f"latency              p50 {ms[0]:.0f} ms, p95 {ms[1]:.0f} ms, p99 {ms[2]:.0f} ms per request")
    print(f"verdict              {'nothing lost, nothing stored twice' if held else 'LOSS OR DUPLICATION'}")
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
