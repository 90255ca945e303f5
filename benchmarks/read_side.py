"""CPU seconds of what a run reads off its issues: themes, the rankings, the digest, and reads after single writes.

Restores the workspace a ``triage run`` wrote (``--out DIR`` of an earlier run: its issues, vectors and texts, no
re-clustering), then times with ``time.process_time`` (CPU seconds of this process, the steadier figure on a shared
machine) what ``triage run`` does after finding issues: ``Workspace.themes()`` (find and describe every theme), then
the key-topic ranking, the theme candidates and the digest (their keywords and scores included). Then it stores the
last ``--writes`` suggestions again one at a time, as the service does, and times each read that follows a write.

    .venv/bin/python benchmarks/read_side.py /tmp/run             # after: triage run messages_hot.xlsx --out /tmp/run
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np


def cpu(call) -> float:
    start = time.process_time()
    call()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the output folder of an earlier triage run")
    parser.add_argument("--writes", type=int, default=20, help="suggestions stored again one at a time")
    args = parser.parse_args()

    from triage.config import load_config
    from triage.pipeline import load_run
    from triage.workspace import Workspace

    config = load_config()
    restored = load_run(args.out, config)
    keep = len(restored) - args.writes
    later = restored.suggestions[keep:]
    workspace = Workspace(config, segmenter=restored.segmenter, embedder_name=config["embed"]["name"])
    kept = restored.suggestions[:keep]
    workspace.restore(kept, np.stack([restored.vector(s.id) for s in kept]), restored.assignments(),
                      tokens=restored.tokens[:keep])
    workspace.issues()
    print(f"{len(workspace)} suggestions, {len(workspace.issues())} issues restored from {args.out}")
    print(f"themes  {cpu(workspace.themes):6.2f} CPU s ({len(workspace.themes())} themes)")
    print(f"rank    {cpu(lambda: (workspace.key_topics(), workspace.theme_candidates(), workspace.digest())):6.2f} CPU s"
          " (key topics, theme candidates, digest)")
    print(f"keywords {cpu(lambda: [i.keywords for i in workspace.issues()] + [t.keywords for t in workspace.themes()]):5.2f}"
          " CPU s (of every issue and theme)")

    reads = {"issues": lambda: [(i.keywords, s.value) for i, s in workspace.key_topics()[:20]],
             "digest": lambda: workspace.digest()[:20],
             "themes": lambda: [(t.keywords, s.value) for t, s in workspace.theme_candidates()[:20]]}
    times: dict[str, list[float]] = {name: [] for name in reads}
    for suggestion in later:
        workspace.add([dataclasses.replace(suggestion, duplicate_of=None)], restored.vector(suggestion.id)[None, :])
        for name, read in reads.items():
            times[name].append(cpu(read))
    print(f"reads after each of {len(later)} writes, CPU ms (first page of 20):")
    for name, values in times.items():
        print(f"  {name:<7} p50 {1000 * statistics.median(values):7.1f}  max {1000 * max(values):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
