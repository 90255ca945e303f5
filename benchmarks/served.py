"""What the benchmarks that measure ``triage serve`` over HTTP share: starting it in a subprocess on a free loopback
port, concurrent clients that share one queue of work, and percentiles."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import httpx

REPO = Path(__file__).resolve().parents[1]
# The CLI through this interpreter, so the benchmark measures the installed project whatever PATH says.
CLI = [sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(folder: Path, serve_args: list[str], timeout: float) -> tuple[subprocess.Popen, str, dict, float]:
    """The running process, its URL, its first ``/healthz`` answer and the seconds it took to become ready."""
    port = free_port()
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *serve_args],
                               cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"triage serve exited; see {folder / 'serve.log'}")
        try:
            health = httpx.get(f"{url}/healthz", timeout=5)
            if health.status_code == 200:
                return process, url, health.json(), time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("triage serve did not become ready in time")


Work = TypeVar("Work")


def run_clients(url: str, keys: Sequence[str], work: Iterable[Work],
                send: Callable[[httpx.Client, Work], None]) -> float:
    """One client thread per key, each taking the next piece of ``work`` until none is left and handing it to
    ``send`` with its own HTTP client; returns the wall seconds from the first start to the last finish."""
    queue = iter(work)
    lock = threading.Lock()

    def client(key: str) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as http:
            while True:
                with lock:
                    piece = next(queue, None)
                if piece is None:
                    return
                send(http, piece)

    threads = [threading.Thread(target=client, args=(key,)) for key in keys]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - wall


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile; NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")
