"""Seconds of the main job (``triage run``) with its caches warm: per step, in all, and CPU seconds.

Runs the job in a fresh subprocess once to fill the vector and token caches (skipped with ``--warm``), then
``--repeat`` more times, and prints each run's steps as the CLI reports them (export included), what the process
spent outside them (interpreter start and imports), the wall time of the whole process, its CPU seconds and the load
average beside it. The target is the whole command, so it is judged on the process, not the steps, by the wall time a
user waits (meaningful on a quiet machine: see the load column). CPU seconds, all threads summed, are the steadier
figure for comparing two versions on a busy machine, not a verdict: the neighbour search and the first edge scores
run on both cores, so CPU seconds exceed wall time by design.

    .venv/bin/python benchmarks/main_job.py                                 # messages_hot.xlsx, 2 timed runs
    .venv/bin/python benchmarks/main_job.py --data samples/suggestions.csv --warm

Target on a 2-core machine: the whole command on messages_hot.xlsx in at most 5 s with its caches warm.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "tipdm2020c" / "messages_hot.xlsx"
TARGET_SECONDS = 5.0


def one_run(data: Path, out: Path) -> dict:
    """One ``triage run`` in a subprocess: its step timings, process wall and CPU seconds, load average before."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())",
                           "run", str(data), "--out", str(out)], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"triage run failed:\n{done.stderr[-3000:]}")
    steps = json.loads((out / "summary.json").read_text(encoding="utf-8"))["timings"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"steps": steps, "wall": wall, "cpu": cpu, "load": load}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--warm", action="store_true", help="the caches are known to be warm: no filling run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="triage-main-job-") as scratch:
        if not args.warm:
            print("filling the caches ...", file=sys.stderr, flush=True)
            one_run(args.data, Path(scratch) / "fill")
        runs = [one_run(args.data, Path(scratch) / f"run{i}") for i in range(args.repeat)]
    names = list(runs[0]["steps"])
    print(f"triage run {args.data.name}, caches warm")
    print(" ".join(f"{name:>7}" for name in names)
          + f" {'steps':>7} {'outside':>7} {'process':>8} {'cpu s':>7} {'load':>5}")
    for run in runs:
        steps = run["steps"]
        total, wall = sum(steps.values()), run["wall"]
        print(" ".join(f"{steps[name]:>7.2f}" for name in names)
              + f" {total:>7.2f} {wall - total:>7.2f} {wall:>8.2f} {run['cpu']:>7.2f} {run['load']:>5.2f}")
    wall, cpu = min(run["wall"] for run in runs), min(run["cpu"] for run in runs)
    print("steps = the job's own steps as the CLI reports them (wall); outside = the rest of the process (interpreter "
          "start, imports); process = the whole command (wall); cpu s = its user + system seconds; load = 1-minute "
          "load average before the run (2 cores)")
    print(f"target (whole command <= {TARGET_SECONDS:.0f} s wall): {'met' if wall <= TARGET_SECONDS else 'NOT met'} "
          f"(best {wall:.2f} s; CPU best {cpu:.2f} s, both cores' seconds summed, for comparisons only)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
