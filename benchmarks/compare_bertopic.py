"""triage's issues beside the single-threshold baseline and BERTopic's topics on the shared TipDM messages, scored
against the same gold issues.

triage's rule is learned from the gold issues, so its figure on all of them is optimistic: the figure to quote is the
cross-validated one (``--cv K``, default 5: fit on K−1 folds of gold issues, score the held-out fold, as
``triage eval --cv``), printed beside the baseline's (one mean-cosine threshold, chosen on the same training folds).
BERTopic learns nothing from the gold, so its figure on all of them is its held-out figure.

Both systems see the same accepted messages and the same e5 vectors (``prepare``, inside ``triage.pipeline.analyse``,
so the on-disk embedding cache serves them after the first run), and BERTopic segments with triage's own jieba
``Segmenter``. Run it from the repository root: the cache path in the config (``.cache``) is relative to it.
BERTopic gets no embedding model, so nothing is downloaded; its outlier topic -1 counts as singletons, each message
its own issue, because an outlier has not been grouped with anything. Both are scored by ``triage.evaluate``.

Times: triage's is issue finding + ranking (the ``issues`` and ``rank`` steps of ``analyse``, after embedding);
BERTopic's is ``fit_transform`` with the vectors given (UMAP + HDBSCAN + c-TF-IDF, which includes jieba on the
per-topic documents), after an untimed warm-up fit so numba's one-time compilation is not counted.

    python benchmarks/compare_bertopic.py                      # min_topic_size 2, 3 and 5
    python benchmarks/compare_bertopic.py --min-topic-size 3   # one BERTopic setting
    python benchmarks/compare_bertopic.py --per-issue          # also each gold issue's F1 per system

BERTopic needs the ``bench`` extra (``pip install -e .[bench]``); without it the script says so and reports the
other rows.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage.config import load_config
from triage.evaluate import evaluate, load_gold
from triage.linkage_fit import Problem, cross_validate
from triage.pipeline import analyse
from triage.records import Suggestion
from triage.segment import Segmenter

DEFAULT_DATA = Path("/work/shared/data/tipdm2020c/messages_hot.xlsx")
DEFAULT_GOLD = Path("/work/shared/data/tipdm2020c/dev_gold.json")
DEFAULT_MIN_TOPIC_SIZES = (2, 3, 5)
OUTLIER = -1


@dataclass
class SystemResult:
    """One row of the comparison."""

    system: str
    report: dict[str, Any]
    seconds: float
    assignments: dict[str, str | None]

    @property
    def shared_issues(self) -> int:
        """Predicted issues with two or more messages (the rest are singletons)."""
        sizes = Counter(issue for issue in self.assignments.values() if issue is not None)
        return sum(1 for size in sizes.values() if size > 1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bertopic_assignments(suggestions: Sequence[Suggestion], topics: Sequence[int]) -> tuple[dict[str, str], list[str]]:
    """Message id -> issue id, outliers as singletons; and the topics ranked by size, largest first."""
    assignments = {}
    for suggestion, topic in zip(suggestions, topics):
        assignments[suggestion.id] = f"outlier-{suggestion.id}" if topic == OUTLIER else f"topic-{topic}"
    sizes = Counter(t for t in topics if t != OUTLIER)
    ranking = [f"topic-{t}" for t, _ in sorted(sizes.items(), key=lambda item: (-item[1], item[0]))]
    return assignments, ranking


def make_bertopic(min_topic_size: int, segmenter: Segmenter, seed: int):
    """BERTopic with its default UMAP/HDBSCAN settings, a fixed UMAP seed, and triage's jieba tokens."""
    from bertopic import BERTopic
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False,
                      random_state=seed)
    vectorizer = CountVectorizer(tokenizer=segmenter.tokens, lowercase=False, token_pattern=None)
    return BERTopic(embedding_model=None, umap_model=umap_model, vectorizer_model=vectorizer,
                    min_topic_size=min_topic_size, calculate_probabilities=False, verbose=False)


def run_bertopic(suggestions: Sequence[Suggestion], vectors: np.ndarray, segmenter: Segmenter, gold: list,
                 min_topic_size: int, seed: int) -> SystemResult:
    documents = [s.text for s in suggestions]
    model = make_bertopic(min_topic_size, segmenter, seed)
    start = time.perf_counter()
    topics, _ = model.fit_transform(documents, embeddings=vectors)
    seconds = time.perf_counter() - start
    assignments, ranking = bertopic_assignments(suggestions, topics)
    return SystemResult(f"BERTopic min_topic_size={min_topic_size}", evaluate(assignments, gold, ranking), seconds,
                        assignments)


def warm_up_bertopic(suggestions: Sequence[Suggestion], vectors: np.ndarray, segmenter: Segmenter, seed: int) -> None:
    """One untimed fit, so numba compiles UMAP's and HDBSCAN's kernels before the timed fits. It takes the whole
    corpus because UMAP switches to its approximate (NN-descent) neighbours above 4,096 points, with kernels of
    its own."""
    make_bertopic(5, segmenter, seed).fit_transform([s.text for s in suggestions], embeddings=vectors)


def print_table(rows: Sequence[SystemResult], best: SystemResult | None) -> None:
    width = max(len("system"), *(len(r.system) for r in rows)) + 2
    print(f"{'system':<{width}}  {'mean_f1':>7}  {'n_issues':>8}  {'shared':>6}  {'seconds':>8}")
    for r in rows:
        mark = " *" if r is best else ""
        counts = (f"{r.report['n_predicted_issues']:>8}  {r.shared_issues:>6}" if r.assignments
                  else f"{'-':>8}  {'-':>6}")
        print(f"{r.system + mark:<{width}}  {r.report['mean_f1']:>7.4f}  {counts}  {r.seconds:>8.2f}")
    print("n_issues counts singletons (BERTopic outliers included); shared = issues of 2+ messages;"
          + (" * = best BERTopic setting by mean_f1 (chosen on this gold, so optimistic)" if best else ""))


def print_per_issue(rows: Sequence[SystemResult], gold: list) -> None:
    print()
    names = [r.system.replace("BERTopic min_topic_size=", "BT mts=") for r in rows]
    print(f"{'gold':<6} {'size':>4}  " + "  ".join(f"{n:>10}" for n in names) + "  title")
    for position, issue in enumerate(gold):
        f1s = "  ".join(f"{r.report['issues'][position]['f1']:>10.3f}" for r in rows)
        print(f"{issue['id']:<6} {len(issue['members']):>4}  {f1s}  {issue['title']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"input file (default {DEFAULT_DATA})")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help=f"gold issues (default {DEFAULT_GOLD})")
    parser.add_argument("--min-topic-size", type=int, nargs="+", default=list(DEFAULT_MIN_TOPIC_SIZES),
                        metavar="N", help="BERTopic min_topic_size value(s) to try (default 2 3 5)")
    parser.add_argument("--seed", type=int, default=42, help="UMAP random_state (default 42)")
    parser.add_argument("--per-issue", action="store_true", help="also print each gold issue's F1 per system")
    parser.add_argument("--cv", type=int, default=5, metavar="K", help="folds over gold issues for triage (default 5)")
    args = parser.parse_args(argv)
    # No network here: any Hugging Face lookup must fail at once, not hang. BERTopic is imported after this.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    config = load_config()
    gold = load_gold(args.gold)
    log(f"analysing {args.data} with triage (embeddings from the cache under {config['embed']['cache_dir']}/) ...")
    workspace, corpus = analyse([args.data], config)
    steps = corpus.timings.steps
    log(f"  {len(corpus.suggestions)} messages, {corpus.newly_embedded} newly embedded; steps: "
        + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in steps.items()))
    ranking = [issue.id for issue, _ in workspace.key_topics()]
    assignments = workspace.assignments()
    rows = [SystemResult("triage, all gold (fitted on it)", evaluate(assignments, gold, ranking),
                         steps["issues"] + steps["rank"], assignments)]
    log(f"triage {args.cv}-fold cross-validation over gold issues ...")
    problem = Problem.build(corpus.suggestions, corpus.vectors, corpus.tokens, config)
    start = time.perf_counter()
    cv = cross_validate(problem, gold, args.cv, log=log)
    seconds = time.perf_counter() - start
    rows += [SystemResult(f"triage, {args.cv}-fold CV", {**cv, "n_predicted_issues": 0}, seconds, {}),
             SystemResult(f"single threshold, {args.cv}-fold CV", {"mean_f1": cv["baseline_mean_f1"],
                          "issues": cv["baseline_issues"], "n_predicted_issues": 0}, seconds, {})]

    try:
        import bertopic  # noqa: F401
    except ImportError:
        log("BERTopic is not installed (the bench extra): its rows are left out")
        args.min_topic_size = []
    else:
        log("BERTopic warm-up (untimed) ...")
        warm_up_bertopic(corpus.suggestions, corpus.vectors, corpus.segmenter, args.seed)
    for size in args.min_topic_size:
        log(f"BERTopic min_topic_size={size} ...")
        rows.append(run_bertopic(corpus.suggestions, corpus.vectors, corpus.segmenter, gold, size, args.seed))

    bertopic_rows = rows[3:]
    best = max(bertopic_rows, key=lambda r: r.report["mean_f1"]) if len(bertopic_rows) > 1 else None
    print(f"data: {args.data} ({len(corpus.suggestions)} messages, e5 {corpus.vectors.shape[1]}-d, "
          f"{len(corpus.duplicates)} reposts); gold: {args.gold} ({len(gold)} issues, "
          f"{sum(len(g['members']) for g in gold)} members)")
    print(f"triage seconds = issues {steps['issues']:.2f} + rank {steps['rank']:.2f}; CV rows: the whole "
          f"cross-validation (both rows); BERTopic seconds = fit_transform with the vectors given (segmenting all "
          f"messages once took {steps['segment']:.2f}s in triage)")
    if not bertopic_rows:
        print("BERTopic is not installed here (pip install -e .[bench]): no BERTopic rows")
    print()
    print_table(rows, best)
    if args.per_issue:
        print_per_issue(rows, gold)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
