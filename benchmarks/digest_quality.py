"""Digest quality on hand-labelled messages: the learned model beside the keyword rule and the previous lexicon score.

Grouped, label-stratified k-fold cross-validation (near-identical copies of a proposal stay in one fold) on the
labels of ``digest_dev.json``: AUC of label 2 against label 0, and nDCG@10 over all labelled messages with gain
2^label − 1, each the mean over folds. The model is refitted on every training fold from
``models/digest_features.toml``; the keyword rule (the title holds 建议/希望/呼吁/倡议) and the previous lexicon score
(``benchmarks/lexicon_baseline.py``, its issue breadth taken from a run over the whole data file) need no training
and are scored on the same test folds. Several split seeds show how much the figures move with the split.

    python benchmarks/digest_quality.py                       # the shared TipDM messages, seeds 0 1 2
    python benchmarks/digest_quality.py --seeds 0 --embedder tfidf
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lexicon_baseline import lexicon_scores
from triage.config import asset_path, load_config
from triage.digest_model import FeatureSpec, cross_validate
from triage.digest_training import labelled_from_files, read_label_file
from triage.pipeline import analyse

DATA = Path("/work/shared/data/tipdm2020c")
SHOWN = {"model": "model", "keyword_rule": "keyword rule (title: 建议/希望/呼吁/倡议)",
         "previous_lexicon": "previous lexicon score"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", default=DATA / "digest_dev.json", type=Path)
    parser.add_argument("--data", default=DATA / "messages_hot.xlsx", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--embedder", help="embedder of the run that finds issues (default: the configured e5)")
    args = parser.parse_args()

    config = load_config()
    spec = FeatureSpec.load(asset_path(config, config["rank"]["digest"]["features"]))
    labelled = labelled_from_files([read_label_file(args.labels)], [args.data])
    started = time.perf_counter()
    workspace, corpus = analyse([args.data], config, embedder=args.embedder)
    position = {s.id: i for i, s in enumerate(corpus.suggestions)}
    rows = [position[s.id] for s in labelled.suggestions]
    previous = lexicon_scores([corpus.suggestions[i] for i in rows], [corpus.tokens[i] for i in rows],
                              workspace.issues(), config)
    print(f"{len(labelled.labels)} labelled ({labelled.counts()}), issues from a run over {len(corpus.suggestions)} "
          f"messages in {time.perf_counter() - started:.1f} s")
    figures: dict[str, list[tuple[float, float]]] = {}
    for seed in args.seeds:
        started = time.perf_counter()
        result = cross_validate(labelled.suggestions, labelled.labels, spec, args.folds, seed,
                                {"previous_lexicon": np.array([score.value for score in previous])})
        print(f"\nseed {seed}: grouped {args.folds}-fold CV, {result['copy_groups']} copy groups, "
              f"{time.perf_counter() - started:.1f} s")
        print(f"  {'':<42}{'AUC 2 vs 0':>11}{'nDCG@10':>9}")
        for name, values in result["results"].items():
            figures.setdefault(name, []).append((values["auc_2_vs_0"], values["ndcg_at_10"]))
            print(f"  {SHOWN[name]:<42}{values['auc_2_vs_0']:>11.4f}{values['ndcg_at_10']:>9.4f}")
    if len(args.seeds) > 1:
        print(f"\nmean over seeds {' '.join(map(str, args.seeds))}:")
        for name, values in figures.items():
            auc, ndcg = np.mean(values, axis=0)
            print(f"  {SHOWN[name]:<42}{auc:>11.4f}{ndcg:>9.4f}")


if __name__ == "__main__":
    main()
