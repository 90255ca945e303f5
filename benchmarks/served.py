"""Start ``triage serve`` in a subprocess on a free loopback port, for the benchmarks that measure it over HTTP."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

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
