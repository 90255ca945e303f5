"""Theme quality on the shared TipDM messages: triage's themes beside two baselines, and their sensitivity.

Every figure is pairwise precision / recall / F1 over pairs of gold issues (``triage.evaluate.evaluate_themes``): two
gold issues are a pair of one theme in ``dev_themes.json`` or not, and in the run when the most common theme of
their members is the same.

- triage: ``models/themes.toml`` with the ``[themes]`` settings, then the same with each setting varied (the
  settings follow from how a suggestion is written and were not chosen on these figures; this shows how much they
  matter);
- baseline ``topic``: each issue's broad topic from ``models/topics.toml``;
- baseline raw e5: average-linkage clustering (cosine) of the issues' mean e5 vectors, cut at each threshold.
  Every threshold is printed, and the best of them is an upper bound on what one threshold could do.

    python benchmarks/themes.py [--data FILE] [--gold FILE] [--themes FILE]
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from triage.config import load_config
from triage.embed import l2_normalise
from triage.evaluate import evaluate_themes, load_gold, load_gold_themes
from triage.pipeline import analyse
from triage.themes import find_themes, theme_finder_from_config

DATA = Path("/work/shared/data/tipdm2020c")


def figures(result: dict) -> str:
    return f"P {result['precision']:.3f}  R {result['recall']:.3f}  F1 {result['f1']:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DATA / "messages_hot.xlsx")
    parser.add_argument("--gold", default=DATA / "dev_gold.json")
    parser.add_argument("--themes", default=DATA / "dev_themes.json")
    args = parser.parse_args()
    config = load_config()
    gold = load_gold(args.gold)
    gold_themes = load_gold_themes(args.themes, [g["id"] for g in gold])
    workspace, corpus = analyse([args.data], config)
    issues = workspace.issues()
    issue_of = workspace.assignments()

    def score_themes(settings: dict[str, float]) -> tuple[dict, int, float]:
        varied = copy.deepcopy(config)
        varied["themes"].update(settings)
        started = time.perf_counter()
        themes = find_themes(issues, corpus.suggestions, corpus.tokens, varied,
                             theme_finder_from_config(varied, corpus.segmenter))
        seconds = time.perf_counter() - started
        theme_of_issue = {issue_id: theme.id for theme in themes for issue_id in theme.issues}
        return (evaluate_themes({s: theme_of_issue[i] for s, i in issue_of.items()}, gold, gold_themes),
                len(themes), seconds)

    result, count, seconds = score_themes({})
    print(f"{len(gold)} gold issues, {len(set(gold_themes.values()))} gold themes, "
          f"{sum(1 for k, a in enumerate(gold) for b in gold[k + 1:] if gold_themes[a['id']] == gold_themes[b['id']])}"
          f" same-theme pairs; the run has {len(issues)} issues")
    print(f"triage themes (defaults)          {figures(result)}   {count} themes, {seconds:.1f} s")
    section = config["themes"]
    for name, values in (("title_weight", (1.0, 2.0, 5.0)), ("min_score", (1.0, 3.0, 4.0)),
                         ("body_chars", (100, 400))):
        for value in values:
            result, count, _ = score_themes({name: value})
            print(f"  {name} {value:<6} (default {section[name]:<5})  {figures(result)}   {count} themes")

    topic_of_issue = {issue.id: issue.topic for issue in issues}
    print(f"baseline topic lexicon            "
          f"{figures(evaluate_themes({s: topic_of_issue[i] for s, i in issue_of.items()}, gold, gold_themes))}")

    ids = [issue.id for issue in issues]
    vectors = l2_normalise(np.vstack([corpus.vectors[workspace.positions(issue.members)].mean(axis=0)
                                      for issue in issues]))
    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    best = (0.0, None)
    print("baseline raw e5, average linkage, cut at cosine similarity:")
    for similarity in np.arange(0.80, 0.96, 0.01):
        labels = fcluster(tree, 1.0 - similarity, criterion="distance")
        theme_of_issue = dict(zip(ids, (f"c{label}" for label in labels)))
        result = evaluate_themes({s: theme_of_issue[i] for s, i in issue_of.items()}, gold, gold_themes)
        best = max(best, (result["f1"], round(float(similarity), 2)), key=lambda item: item[0])
        print(f"  {similarity:.2f}  {figures(result)}   {len(set(labels))} clusters")
    print(f"  best threshold {best[1]}: F1 {best[0]:.3f} (chosen on these same issues: an upper bound)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
