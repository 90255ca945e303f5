"""How high the learned linkage rule's *form* can reach on a gold file when it is fitted to the very issues it is
scored on: an upper bound for its cross-validated figure, which scores issues the rule never saw.

It fits the rule on all the gold (as ``triage issues-model train`` does, without the inner folds) and prints its mean
F1 at the best threshold, then searches the coefficients directly for that in-sample figure, one coordinate at a time
(steps of ¼ to 2 standard deviations of the feature, the intercept moved so the step pivots on the feature's mean;
every threshold tried for each step). If even the searched figure is below a target, no threshold or reweighting of
these features reaches the target on issues held out; what is missing is a feature or a line in the gold. The
single-threshold baseline's best in-sample figure is printed beside it. Caches warm: about 10 minutes on
``messages_hot.xlsx`` (each step clusters the corpus once).

    .venv/bin/python benchmarks/linkage_ceiling.py                                 # dev_gold.json
    .venv/bin/python benchmarks/linkage_ceiling.py --data FILE --gold FILE --passes 3
"""
from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "tipdm2020c"
STEPS = (-2.0, -1.0, -0.5, -0.25, 0.25, 0.5, 1.0, 2.0)  # in standard deviations of the feature


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA / "messages_hot.xlsx")
    parser.add_argument("--gold", type=Path, default=DATA / "dev_gold.json")
    parser.add_argument("--passes", type=int, default=3, help="rounds over all coefficients (stops early when none helps)")
    args = parser.parse_args()

    from triage import pipeline
    from triage.config import load_config
    from triage.evaluate import load_gold
    from triage.linkage import NAMES, LinkageModel
    from triage.linkage_fit import (THRESHOLDS, Problem, baseline_reports, own_levels, reference_levels, sweep,
                                    training_pairs)

    config = load_config()
    gold = load_gold(args.gold)
    corpus = pipeline.prepare([args.data], config)
    problem = Problem.build(corpus.suggestions, corpus.vectors, corpus.tokens, config)
    sets = problem.positions(gold)
    levels = reference_levels(problem)
    X, y, weights = training_pairs(problem, sets, levels + own_levels(problem, sets, levels))
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0

    def best_threshold(rule: LinkageModel) -> tuple[float, float]:
        scores = [report["mean_f1"] for report in sweep(problem, rule, THRESHOLDS, gold)]
        top = int(np.argmax(scores))
        return scores[top], THRESHOLDS[top]

    baseline = max(report["mean_f1"] for report in baseline_reports(problem, gold))
    rule = LinkageModel().fit(X, y, weights)
    best, threshold = best_threshold(rule)
    print(f"{args.data.name}, {args.gold.name} ({len(gold)} issues), in-sample mean F1 at the best threshold:")
    print(f"  single-threshold baseline      {baseline:.4f}")
    print(f"  logistic rule, fitted on all   {best:.4f} at {threshold}", flush=True)
    started = time.perf_counter()
    for round_number in range(1, args.passes + 1):
        improved = False
        for k, name in enumerate(NAMES):
            tried = []
            for step in STEPS:
                candidate = copy.deepcopy(rule)
                candidate.coef_[k] += step / scale[k]
                candidate.intercept_ -= step * mean[k] / scale[k]
                tried.append((*best_threshold(candidate), step, candidate))
            score, at, step, candidate = max(tried, key=lambda trial: trial[0])
            if score > best + 1e-4:
                best, threshold, rule, improved = score, at, candidate, True
                print(f"  round {round_number}: {name} {step:+} sd -> {best:.4f} at {threshold} "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
        if not improved:
            break
    print(f"  coefficients searched directly {best:.4f} at {threshold}")
    print("  coefficients: " + ", ".join(f"{n} {w:.3f}" for n, w in zip(NAMES, rule.coef_))
          + f"; intercept {rule.intercept_:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
