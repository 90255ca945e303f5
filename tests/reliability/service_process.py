"""The service in a process of its own, for tests that kill it or break what it stands on.

``ServiceProcess`` starts it (this file as a script, or ``triage serve`` itself) and waits until it answers; run as a
script, ``python service_process.py --db URL --port N``:

It runs the app the way ``triage serve`` does (uvicorn, one worker) with the API tests' configuration (TF-IDF
embedder, scratch cache) and no rate limit. ``--pause-in`` holds the process at one chosen moment and touches
``--marker`` when it gets there, so a test can SIGKILL it exactly there:

* ``persist``: the ``--pause-at``-th stored batch's rows are written into the open transaction (flushed, not
  committed);
* ``recluster-save``: a re-cluster's new memberships are written into the open transaction (flushed, not committed).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLI = [sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())"]
sys.path.insert(0, str(HERE.parent / "api"))

from api_server import free_port, service_config  # noqa: E402


class ServiceProcess:
    """One service process over ``db``; its log is ``log`` (in ``log_dir``). ``kill()`` is SIGKILL: nothing is
    flushed or closed. ``popen`` goes to ``subprocess.Popen`` (for example a resource limit)."""

    def __init__(self, db: str, cache: Path, *extra: str, cli: bool = False, log_dir: Path,
                 **popen: Any):
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if cli:
            command = [*CLI, "serve", "--port", str(self.port), "--db", db, "--embedder", "tfidf",
                       "--set", f'embed.cache_dir="{cache}"', "--set", 'issues.finder.rule="cosine:0.8"']
        else:
            command = [sys.executable, str(HERE / "service_process.py"), "--db", db, "--port", str(self.port),
                       "--cache", str(cache), *extra]
        self.log = log_dir / f"service.{self.port}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, **popen)
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)

    def health(self) -> dict:
        return httpx.get(f"{self.url}/healthz", timeout=30).json()

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


def hold(session, marker: Path) -> None:
    session.flush()
    marker.write_text("here")
    time.sleep(3600)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--pause-in", choices=("persist", "recluster-save"))
    parser.add_argument("--pause-at", type=int, default=1, help="which stored batch to hold (1 = the first)")
    parser.add_argument("--marker", type=Path)
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="a configuration override, as triage's own --set")
    args = parser.parse_args()

    import uvicorn

    from api.app import create_app
    from api.service import Service
    from api.settings import ServiceSettings
    from triage.config import apply_override

    if args.pause_in == "persist":
        real_persist = Service._persist
        calls = 0

        def persist(self, session, *rest):
            nonlocal calls
            real_persist(self, session, *rest)
            calls += 1
            if calls == args.pause_at:
                hold(session, args.marker)

        Service._persist = persist
    elif args.pause_in == "recluster-save":
        real_sync = Service.sync_membership

        def sync(self, session, actor, action):
            changed = real_sync(self, session, actor, action)
            if action == "issue.reassign":
                hold(session, args.marker)
            return changed

        Service.sync_membership = sync

    settings = ServiceSettings(rate_per_second=0)
    config = service_config(Path(args.cache))
    for override in args.set:
        apply_override(config, override)
    app = create_app(args.db, config, settings=settings)
    uvicorn.run(app, host="127.0.0.1", port=args.port, workers=1, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
