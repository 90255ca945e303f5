"""Latency of the service through real HTTP: scoring from 1 and 8 clients, then intake and the reads after it.

Starts ``triage serve`` (default embedder e5) over a fresh SQLite store with the 4,326 shared messages loaded,
then scores real messages the store has never seen (the 2,816 messages of ``messages_replies.xlsx``) and prints
p50, p95, p99 latency and requests per second. The embedding cache is copied into a scratch folder with the query
texts removed, so every request runs the model: the figures are for new text, as the intake form sends it.

Then it stores further unseen messages one at a time (``POST /v1/suggestions``), and after each one reads
``GET /v1/issues``, ``GET /v1/digest`` and ``GET /v1/themes`` (first pages), then the pages a reviewer opens from
them (``DETAILS``): the top issue's (its suggestions and threads), the page of the issue the new suggestion joined,
and the top theme's. Every read comes right after a change, so nothing it shows can come from before the write.

    .venv/bin/python benchmarks/api_latency.py                       # e5, 300 + 800 scored, 100 stored
    .venv/bin/python benchmarks/api_latency.py --embedder tfidf --requests 100
    .venv/bin/python benchmarks/api_latency.py --stored 100000       # intake at 100,000 stored (see below)
    .venv/bin/python benchmarks/api_latency.py --in-process          # intake at the 4,326 stored, in process

``--stored N`` measures intake and reads at N stored suggestions. Embedding N suggestions with e5 would take hours,
so the store is built from ``benchmarks/scale.py``'s synthetic corpus (its vectors stand in for e5's, its tokens
for jieba's), fitted once in this process, and the requests call the service's route functions in this process
(everything a request runs except HTTP parsing); the stored messages are still embedded with e5 and stored in
SQLite as the service does. ``--in-process`` does the same over the ``--load`` messages, stored as ``triage serve
--load`` stores them (their e5 vectors from the cache). Both print, beside wall time, the CPU time of the request's
thread, which a busy machine inflates far less; ``--profile PREFIX`` writes each route's cProfile stats (in CPU time of
the request's thread).

Targets on a 2-core machine, single client: scoring p50 <= 80 ms and p99 <= 250 ms; storing one suggestion p50 <=
150 ms; every read after a change <= 100 ms. Loading 4,326 messages with e5 takes minutes the first time;
``.cache/embeddings.sqlite`` makes later runs fast.
"""
from __future__ import annotations

import argparse
import cProfile
import os
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
TARGET_INTAKE_P50_MS, TARGET_READ_MS = 150.0, 100.0
READS = ("/v1/issues", "/v1/digest", "/v1/themes")
# Detail pages read after the lists: (route as printed, the list it is opened from or "joined" for the issue the
# new suggestion went into, the path with the id left as {}). /web/issues/{} is the reviewer workspace's issue page
# (the same issue, its suggestions and threads, rendered).
DETAILS = (("/v1/issues/{top}", "/v1/issues", "/v1/issues/{}"), ("/v1/issues/{joined}", "joined", "/v1/issues/{}"),
           ("/web/issues/{top}", "/v1/issues", "/web/issues/{}"), ("/web/issues/{joined}", "joined", "/web/issues/{}"),
           ("/v1/themes/{top}", "/v1/themes", "/v1/themes/{}"))
ROUTE_WIDTH = 30


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


def timed_intake(url: str, intake_key: str, reviewer_key: str, queries: list[dict]) -> dict[str, list[float]]:
    """Store each query as a new suggestion, reading every ranking after each write; latencies by route."""
    latencies: dict[str, list[float]] = {"POST /v1/suggestions": [], **{f"GET {path}": [] for path in READS},
                                         **{f"GET {route}": [] for route, _, _ in DETAILS}}
    with httpx.Client(base_url=url, timeout=120) as http:
        # The workspace's pages read the reviewer's session cookie, which logging in sets on this client.
        http.post("/web/login", data={"key": reviewer_key})

        def read(route: str, path: str) -> dict:
            start = time.perf_counter()
            response = http.get(path, headers={"Authorization": f"Bearer {reviewer_key}"})
            latencies[f"GET {route}"].append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{path} failed: {response.status_code} {response.text[:200]}")
            return response.json() if path.startswith("/v1/") else {}

        for number, query in enumerate(queries):
            body = {**query, "id": f"bench-{number}", "submitter": f"bench-org-{number}"}
            start = time.perf_counter()
            response = http.post("/v1/suggestions", json=body, headers={"Authorization": f"Bearer {intake_key}"})
            latencies["POST /v1/suggestions"].append(time.perf_counter() - start)
            if response.status_code != 201:
                raise SystemExit(f"storing failed: {response.status_code} {response.text[:200]}")
            result = response.json()
            lists = {path: read(path, path) for path in READS}
            for route, opened_from, path in DETAILS:
                read(route, path.format(page_opened(opened_from, lists, result)))
    return latencies


def web_request(path: str):
    """A GET request for one of the workspace's pages, as the route functions receive it."""
    from starlette.requests import Request

    return Request({"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
                    "headers": [], "scheme": "http", "server": ("bench", 80), "root_path": ""})


def page_opened(opened_from: str, lists: dict[str, dict], stored: dict) -> str:
    """The id of a detail page a reviewer opens after a write: the first item of a list just read, or ("joined")
    the issue the stored suggestion went into."""
    return stored["issue_id"] if opened_from == "joined" else lists[opened_from]["items"][0]["id"]


def print_intake(latencies: dict[str, list[float]], stored: int, how: str) -> None:
    print(f"\nintake and reads after each write, {how}, {stored} suggestions stored at the start")
    print(f"{'request':<{ROUTE_WIDTH}} {'count':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target")
    verdicts = []
    for route, values in latencies.items():
        p50, p95, most = (1000 * percentile(values, q) for q in (50, 95, 100))
        if route.endswith(" cpu"):
            print(f"{route:<{ROUTE_WIDTH}} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {most:>8.1f}  (CPU ms of the request's thread)")
            continue
        if route.startswith("e5"):
            print(f"{route:<{ROUTE_WIDTH}} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {most:>8.1f}  (the POST below reuses its vector)")
            continue
        target = TARGET_INTAKE_P50_MS if route.startswith("POST") else TARGET_READ_MS
        met = (p50 if route.startswith("POST") else p95) <= target
        verdicts.append(met)
        what = f"p50 <= {target:.0f}" if route.startswith("POST") else f"p95 <= {target:.0f}"
        print(f"{route:<{ROUTE_WIDTH}} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {most:>8.1f}  {what}: {'met' if met else 'NOT met'}")
    print(f"intake targets: {'met' if all(verdicts) else 'NOT met'}; load average at the end: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def in_process_intake(stored: int | None, load: Path, queries: list[dict], embedder: str, warmup: int,
                      profile: Path | None = None) -> tuple[dict[str, list[float]], int]:
    """Intake and reads through the route functions in this process (see the docstring), at ``stored`` synthetic
    suggestions, or (``stored`` None) over the messages of ``load`` stored as ``triage serve --load`` stores them.

    Returns the latencies by route and how many suggestions were stored at the start. With ``profile``, each
    route's calls after the warm-up are profiled (cProfile) into ``<profile>.<route>.prof``.
    """
    from fastapi import Response
    from scale import synthetic_corpus
    from sqlalchemy import insert

    from api.app import leave_cores_to_the_model, warm_up
    from api.auth import Caller
    from api.routers.issues import get_issue, list_digest, list_issues
    from api.routers.suggestions import submit_suggestions
    from api.routers.themes import get_theme, list_themes
    from api.schemas import SuggestionIn
    from api.service import SYSTEM_ACTOR, Service, suggestion_hash
    from api.settings import ServiceSettings
    from api.store import Store
    from api.store.models import SuggestionRow, utcnow
    from api.web.router import issue_page
    from api.views import Filters
    from triage.config import load_config
    from triage.intake import load as read_messages
    from triage.workspace import Workspace

    config = load_config()
    config["embed"]["name"] = embedder
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as scratch:
        # The project's cached vectors without the queries' (so the model runs for each message stored).
        config["embed"]["cache_dir"] = str(scratch_cache(Path(scratch), queries))
        workspace = Workspace(config)
        store = Store(f"sqlite:///{Path(scratch) / 'bench.db'}")
        store.upgrade()
        service = Service(store, workspace, ServiceSettings())
        if stored is None:
            service.ingest(read_messages([load]).accepted, SYSTEM_ACTOR)
            print(f"stored {len(workspace)} messages of {load.name} in {time.perf_counter() - started:.0f} s",
                  flush=True)
        else:
            suggestions, vectors, tokens, _ = synthetic_corpus(stored)
            workspace.fit(suggestions, vectors, tokens)
            print(f"fitted {stored} synthetic suggestions in {time.perf_counter() - started:.0f} s", flush=True)
            now = utcnow()
            with store.session() as session:
                session.execute(insert(SuggestionRow), [
                    {"id": s.id, "title": s.title, "body": s.body, "original_title": s.title,
                     "original_body": s.body, "submitter": s.submitter, "org_name": "", "org_type": "",
                     "sector": s.sector, "district": s.district, "submitted_at": s.submitted_at,
                     "endorsements": s.endorsements, "opposes": s.opposes, "extra": {}, "source": "synthetic",
                     "row": i + 1, "payload_hash": suggestion_hash(s), "result": {}, "created_at": now,
                     "created_by": SYSTEM_ACTOR}
                    for i, s in enumerate(suggestions)])
                service.sync_membership(session, SYSTEM_ACTOR, "issue.restore")
        at_start = len(workspace)
        warm_up(workspace)
        leave_cores_to_the_model()
        print(f"store ready in {time.perf_counter() - started:.0f} s", flush=True)
        intake, reviewer = Caller("bench", "intake"), Caller("bench", "reviewer")
        reads = {"/v1/issues": list_issues, "/v1/digest": list_digest, "/v1/themes": list_themes}
        details = {"/v1/issues/{}": lambda page: get_issue(caller=reviewer, issue_id=page, service=service),
                   "/v1/themes/{}": lambda page: get_theme(caller=reviewer, theme_id=page, service=service),
                   "/web/issues/{}": lambda page: issue_page(web_request(f"/web/issues/{page}"), page, caller=reviewer,
                                                             service=service)}
        routes = ["e5 pass (before)", "POST /v1/suggestions", *(f"GET {path}" for path in READS),
                  *(f"GET {route}" for route, _, _ in DETAILS)]
        # Wall seconds, and CPU seconds of this thread (the steadier figure on a busy machine: everything but the
        # model's pass runs on the request's thread).
        latencies: dict[str, list[float]] = {name: [] for route in routes for name in (route, f"{route} cpu")}

        profiles = {route: cProfile.Profile(time.thread_time) for route in routes} if profile else {}

        def timed(route: str, call):
            profiler = profiles.get(route) if number >= warmup else None
            start, cpu = time.perf_counter(), time.thread_time()
            answer = profiler.runcall(call) if profiler else call()
            latencies[route].append(time.perf_counter() - start)
            latencies[f"{route} cpu"].append(time.thread_time() - cpu)
            return answer

        for number, query in enumerate(queries):
            body = SuggestionIn(**query, id=f"bench-{number}", submitter=f"bench-org-{number}")
            # The model's pass is timed apart (its vector then waits in the cache), so the POST below shows what
            # the service adds to it, however busy the machine's cores are with the model.
            timed(routes[0], lambda: workspace.embed([service.to_suggestion(body, 1, "")]))
            result = timed(routes[1], lambda: submit_suggestions(body, Response(), intake, service))
            lists = {path: timed(f"GET {path}", lambda: reads[path](caller=reviewer, chosen=Filters(), paging=(20, 0),
                                                                    service=service))
                     for path in READS}
            for route, opened_from, path in DETAILS:
                timed(f"GET {route}", lambda: details[path](page_opened(opened_from, lists, result)))
        store.close()
    for route, profiler in profiles.items():
        profiler.dump_stats(f"{profile}.{route.replace('/', '_').replace(' ', '')}.prof")
    return latencies, at_start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--load", type=Path, default=DATA / "messages_hot.xlsx", help="messages stored at start")
    parser.add_argument("--queries", type=Path, default=DATA / "messages_replies.xlsx", help="messages scored")
    parser.add_argument("--requests", type=int, default=300, help="requests from the single client")
    parser.add_argument("--concurrent-requests", type=int, default=800, help="requests from the 8 clients")
    parser.add_argument("--stored-requests", type=int, default=100, help="suggestions stored one at a time")
    parser.add_argument("--stored", type=int, default=None, metavar="N",
                        help="measure intake at N synthetic stored suggestions instead (no scoring phases)")
    parser.add_argument("--in-process", action="store_true",
                        help="measure intake in process over the --load messages instead (no scoring phases)")
    parser.add_argument("--profile", type=Path, default=None, metavar="PREFIX",
                        help="with --stored or --in-process: write each route's cProfile stats to PREFIX.<route>.prof")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start-timeout", type=float, default=3600)
    args = parser.parse_args()

    from api.auth import create_key
    from api.store import Store

    needed = args.warmup + args.requests + args.concurrent_requests
    queries = query_messages(args.queries, needed + args.stored_requests, args.seed)
    if args.stored is not None or args.in_process:
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        latencies, stored = in_process_intake(args.stored, args.load, queries[:args.warmup + args.stored_requests],
                                              args.embedder, args.warmup, args.profile)
        store = f"the store {args.load.name}" if args.stored is None else "synthetic vectors for the store"
        print_intake({route: values[args.warmup:] for route, values in latencies.items()}, stored,
                     f"embedder {args.embedder} for the stored messages, {store}, in process")
        return 0
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as scratch:
        folder = Path(scratch)
        db = f"sqlite:///{folder / 'bench.db'}"
        store = Store(db)
        store.upgrade()
        key = create_key(store, "intake", "api_latency benchmark", actor="benchmark")[1]
        reviewer_key = create_key(store, "reviewer", "api_latency benchmark", actor="benchmark")[1]
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
            rest = queries[args.warmup:needed]
            rows = []
            for clients, total, offset in ((1, args.requests, 0), (8, args.concurrent_requests, args.requests)):
                latencies, wall = timed_scores(url, key, rest[offset:offset + total], clients)
                rows.append((clients, len(latencies), *(1000 * percentile(latencies, q) for q in (50, 95, 99)),
                             1000 * statistics.fmean(latencies), len(latencies) / wall))
            intake = timed_intake(url, key, reviewer_key, queries[needed:])
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
    print_intake(intake, health["suggestions"], f"embedder {args.embedder}, over HTTP")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
