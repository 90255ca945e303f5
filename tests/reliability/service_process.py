"""The service in a process of its own, for tests that kill it: ``python service_process.py --db URL --port N``.

It runs the app the way ``triage serve`` does (uvicorn, one worker) with the API tests' configuration (TF-IDF
embedder, scratch cache) and no rate limit. ``--pause-in`` holds the process at one chosen moment and touches
``--marker`` when it gets there, so a test can SIGKILL it exactly there:

* ``persist``: the ``--pause-at``-th stored batch's rows are written into the open transaction (flushed, not
  committed);
* ``recluster-save``: a re-cluster's new memberships are written into the open transaction (flushed, not committed).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))

from api_server import service_config  # noqa: E402


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
    args = parser.parse_args()

    import uvicorn

    from api.app import create_app
    from api.service import Service
    from api.settings import ServiceSettings

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
    app = create_app(args.db, service_config(Path(args.cache)), settings=settings)
    uvicorn.run(app, host="127.0.0.1", port=args.port, workers=1, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
