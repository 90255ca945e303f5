"""How good one-at-a-time placement is, against finding the issues of everything at once.

The service places each incoming suggestion into an issue as it arrives (``Workspace.add``); a full re-cluster
(``Workspace.recluster``, the admin job) finds every issue afresh. This fits a workspace on the earliest messages
of the shared TipDM file, adds the latest ``--share`` of them one at a time, in time order, as the intake system
would, and scores five states against the gold issues with ``triage.evaluate``: all fitted at once, placed one at a
time with neither ``issues.merge_on_add`` nor ``issues.regroup_on_add``, with merging only, with both (the default),
and the latter after a re-cluster. It also prints the mean time of one placement.

    python benchmarks/incremental.py                       # the latest 20% added one at a time
    python benchmarks/incremental.py --share 0.5

Embeddings come from the project's cache (``.cache``), so run it from the repository root after ``triage eval``
or ``triage run`` has embedded the file once.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from datetime import datetime
from pathlib import Path

from triage.config import load_config
from triage.evaluate import evaluate, load_gold
from triage.pipeline import prepare
from triage.workspace import Workspace

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tipdm2020c"


def score(workspace: Workspace, gold: list[dict]) -> dict:
    ranking = [issue.id for issue, _ in workspace.key_topics()]
    return evaluate(workspace.assignments(), gold, ranking)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "messages_hot.xlsx")
    parser.add_argument("--gold", type=Path, default=DATA / "dev_gold.json")
    parser.add_argument("--share", type=float, default=0.2, help="latest share of messages added one at a time")
    args = parser.parse_args(argv)
    if not 0 < args.share < 1:
        parser.error("--share must be between 0 and 1")

    config = load_config()
    gold = load_gold(args.gold)
    corpus = prepare([args.data], config)
    order = sorted(range(len(corpus.suggestions)),
                   key=lambda i: (corpus.suggestions[i].submitted_at or datetime.max, i))
    cut = round(len(order) * (1 - args.share))
    first, later = order[:cut], order[cut:]
    print(f"{args.data.name}: {len(order)} messages; fitted on the earliest {len(first)}, "
          f"then {len(later)} added one at a time; gold {args.gold.name} ({len(gold)} issues)")

    rows = []
    whole = Workspace(config).fit(corpus.suggestions, corpus.vectors, corpus.tokens)
    rows.append(("all fitted at once", score(whole, gold)))

    per_add = {}
    for merging, regrouping in ((False, False), (True, False), (True, True)):
        settings = f"merge_on_add={str(merging).lower()}, regroup_on_add={str(regrouping).lower()}"
        workspace = Workspace(load_config(overrides=[f"issues.{setting}" for setting in settings.split(", ")]))
        workspace.fit([corpus.suggestions[i] for i in first], corpus.vectors[first],
                      [corpus.tokens[i] for i in first])
        started = time.perf_counter()
        for i in later:
            # As the intake system sends it: the repost link is the workspace's to find.
            arriving = dataclasses.replace(corpus.suggestions[i], duplicate_of=None)
            workspace.add([arriving], corpus.vectors[i][None, :])
        per_add[settings] = (time.perf_counter() - started) / len(later)
        rows.append((f"one at a time, {settings}", score(workspace, gold)))
    workspace.recluster()
    rows.append(("... then a re-cluster", score(workspace, gold)))

    ids = [item["id"] for item in rows[0][1]["issues"]]
    print(f"\n{'state':<50} {'mean_f1':>7} {'issues':>6}  " + " ".join(f"{i:>5}" for i in ids))
    for name, report in rows:
        f1 = " ".join(f"{item['f1']:>5.3f}" for item in report["issues"])
        print(f"{name:<50} {report['mean_f1']:>7.4f} {report['n_predicted_issues']:>6}  {f1}")
    print("\none placement (Workspace.add of one suggestion, vector given), mean: "
          + "; ".join(f"{settings} {1000 * t:.1f} ms" for settings, t in per_add.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
