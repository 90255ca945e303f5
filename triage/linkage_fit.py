"""Fitting the linkage rule on hand-checked issues, and cross-validating it beside the single-threshold baseline.

Training pairs are pairs of groups the finder meets, labelled by the gold issues. The finder starts from single
suggestions and merges upwards, so pairs are taken at several levels: single suggestions, and the groups that the
cosine baseline forms at a few thresholds (``REFERENCE_LEVELS``), then the groups a first fit of the rule itself
forms (``OWN_LEVELS``): the baseline's groups hold few of the rule's own mistakes, such as one estate's other
complaints absorbed into an issue, and a rule fitted on them alone never learns those. At each level, for each gold
issue:

- positives: two pieces of the issue that touch in the neighbour graph (the merges recall needs);
- negatives: a piece of the issue against each neighbouring group, without the issue's own members (the merges
  precision forbids). The gold lists *every* message that raises an issue, so a neighbour outside it is known to be
  another issue; pairs of two groups that hold no gold member are unlabelled and never used.

Each gold issue weighs the same (its positives sum to 1, its negatives too), so a 50-message campaign does not
drown the three-message issues where recall is lost.

The probability threshold is chosen by K-fold cross-validation over gold issues: the model is fitted on the pairs
of K−1 folds, the whole corpus is clustered once, and the held-out issues are scored at every threshold (one
clustering serves all thresholds: ``IssueFinder.labels_at``). ``cross_validate`` repeats the entire procedure inside
an outer K-fold, so its figure is on issues nothing was fitted to.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .evaluate import evaluate
from .group_sums import Profile
from .issues import CosineRule, IssueFinder, LinkRule, TextViews, item_profiles, neighbour_graph, with_originals
from .linkage import LOWEST_THRESHOLD, LinkageModel, features_table
from .names import name_extractor_from_config
from .neighbours import NeighbourIndex
from .records import Suggestion

# Probability thresholds a sweep tries for the learned rule, and mean-cosine thresholds for the baseline.
THRESHOLDS = tuple(round(float(t), 3) for t in np.arange(LOWEST_THRESHOLD, 0.951, 0.025))
BASELINE_THRESHOLDS = tuple(round(float(t), 4) for t in np.arange(0.5, 0.9851, 0.0025))
# Mean-cosine thresholds at which the baseline's groups are taken as training pieces (e5 cosines of unrelated
# messages run about 0.8–0.9, of one issue's messages about 0.9–0.97).
REFERENCE_LEVELS = (0.95, 0.93, 0.91)
# Probability thresholds at which the groups of a first fit of the learned rule are taken as training pieces: where
# it merges eagerly, about even and cautiously (fixed, not tuned; they bracket the thresholds cross-validation picks).
OWN_LEVELS = (0.25, 0.5, 0.75)

Log = Callable[[str], None]


@dataclass
class Problem:
    """A corpus ready for linking: one profile per suggestion, the neighbour index and graph, repost originals."""

    ids: list[str]
    items: list[Profile]
    index: NeighbourIndex
    graph: list[set[int]]
    originals: list[int | None]
    k: int

    @classmethod
    def build(cls, suggestions: Sequence[Suggestion], vectors: np.ndarray, tokens: Sequence[list[str]],
              config: dict) -> "Problem":
        titles, bodies = [s.title for s in suggestions], [s.body for s in suggestions]
        views = TextViews(name_extractor_from_config(config))
        name_rows, word_rows = views.fit_transform(titles, bodies, tokens)
        index = NeighbourIndex(vectors.shape[1], **config["issues"]["index"])
        index.add(vectors)
        k = config["issues"]["finder"]["k"]
        position = {s.id: i for i, s in enumerate(suggestions)}
        return cls(ids=[s.id for s in suggestions],
                   items=item_profiles(views, suggestions, vectors, name_rows, word_rows),
                   index=index, graph=neighbour_graph(index, k), k=k,
                   originals=[position.get(s.duplicate_of) if s.duplicate_of else None for s in suggestions])

    def positions(self, gold: Sequence[Mapping[str, Any]]) -> list[set[int]]:
        """Each gold issue's members as positions; members absent from the corpus are left out."""
        where = {sid: i for i, sid in enumerate(self.ids)}
        return [{where[m] for m in issue["members"] if m in where} for issue in gold]

    def cluster(self, rule: LinkRule, down_to: float | None = None) -> IssueFinder:
        return IssueFinder(rule, self.k).fit(self.index, self.items, down_to=down_to, graph=self.graph)

    def assignments(self, finder: IssueFinder, threshold: float) -> dict[str, str]:
        """Suggestion id -> group, at a threshold, reposts with their originals (as the workspace assigns)."""
        groups = with_originals(finder.labels_at(threshold, len(self.ids)), self.originals)
        return {self.ids[p]: f"g{number}" for number, members in enumerate(groups) for p in members}


def training_pairs(problem: Problem, gold_sets: Sequence[set[int]],
                   levels: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (1 = same issue) and weights of the labelled pairs of groups at each level of grouping."""
    profiles: dict[frozenset[int], Profile] = {}

    def profile(members: frozenset[int]) -> Profile:
        if members not in profiles:
            first, *rest = sorted(members)
            group = problem.items[first].copy()
            for position in rest:
                group.absorb(problem.items[position])
            profiles[members] = group
        return profiles[members]

    pairs: dict[tuple[frozenset[int], frozenset[int]], tuple[int, int]] = {}  # -> (label, gold issue)
    for labels in levels:
        members_of: dict[int, list[int]] = {}
        for position, label in enumerate(labels):
            members_of.setdefault(int(label), []).append(position)
        for number, gold in enumerate(gold_sets):
            by_label: dict[int, set[int]] = {}
            for position in gold:
                by_label.setdefault(int(labels[position]), set()).add(position)
            pieces = [frozenset(p) for p in by_label.values()]
            if len(pieces) > 1:
                pieces.append(frozenset(gold))
            for piece in pieces:
                touching = set().union(*(problem.graph[p] for p in piece))
                for other in pieces:
                    if other is not piece and len(other) < len(gold) and touching & other and not piece & other:
                        pairs.setdefault(_key(piece, other), (1, number))
                for label in {int(labels[p]) for p in touching - gold}:
                    rest = frozenset(members_of[label]) - gold
                    pairs.setdefault(_key(piece, rest), (0, number))
    keys = list(pairs)
    y = np.array([pairs[k][0] for k in keys])
    issue = np.array([pairs[k][1] for k in keys])
    weights = np.zeros(len(keys))
    for number in set(issue.tolist()):
        for label in (0, 1):
            chosen = (issue == number) & (y == label)
            if chosen.any():
                weights[chosen] = 1.0 / chosen.sum()
    X = features_table([(profile(a), profile(b)) for a, b in keys])
    return X, y, weights


def _key(a: frozenset[int], b: frozenset[int]) -> tuple[frozenset[int], frozenset[int]]:
    return (a, b) if min(a) < min(b) else (b, a)


def reference_levels(problem: Problem) -> list[np.ndarray]:
    """Single suggestions, then the baseline's groups at each of ``REFERENCE_LEVELS``."""
    finder = problem.cluster(CosineRule(max(REFERENCE_LEVELS)), down_to=min(REFERENCE_LEVELS))
    return [np.arange(len(problem.ids)), *(finder.labels_at(level) for level in REFERENCE_LEVELS)]


def own_levels(problem: Problem, gold_sets: Sequence[set[int]], levels: Sequence[np.ndarray],
               C: float = 1.0) -> list[np.ndarray]:
    """The groups of the learned rule fitted on ``levels``, at each of ``OWN_LEVELS`` (one clustering).

    Training on them as well puts the first fit's own wrong merges (a piece of an issue with the neighbours it
    absorbed) and missed ones among the pairs, as the finder meets them."""
    first = LinkageModel(C).fit(*training_pairs(problem, gold_sets, levels))
    finder = problem.cluster(first, down_to=min(OWN_LEVELS))
    return [finder.labels_at(level) for level in OWN_LEVELS]


def folds_of(gold: Sequence[Mapping[str, Any]], k: int, seed: int = 0) -> list[int]:
    """A fold number per gold issue: shuffled once, then dealt round-robin (group K-fold by issue)."""
    if k < 2 or k > len(gold):
        raise ValueError(f"交叉验证折数须在 2 与金标准问题数 {len(gold)} 之间：{k}")
    order = list(range(len(gold)))
    random.Random(seed).shuffle(order)
    folds = [0] * len(gold)
    for turn, number in enumerate(order):
        folds[number] = turn % k
    return folds


def sweep(problem: Problem, rule: LinkRule, thresholds: Sequence[float],
          gold: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The evaluation of ``gold`` at each threshold, from one clustering."""
    finder = problem.cluster(rule, down_to=min(thresholds))
    return [evaluate(problem.assignments(finder, t), gold, []) for t in thresholds]


def _best(thresholds: Sequence[float], scores: Sequence[float]) -> float:
    """The threshold of the best score; among ties, the middle one (the centre of a plateau)."""
    top = max(scores)
    tied = [t for t, s in zip(thresholds, scores) if s >= top - 1e-9]
    return tied[len(tied) // 2]


def fit_rule(problem: Problem, gold: Sequence[Mapping[str, Any]], folds: int = 5, C: float = 1.0,
             levels: Sequence[np.ndarray] | None = None, log: Log | None = None) -> tuple[LinkageModel, dict]:
    """The learned rule fitted on ``gold``, its threshold chosen by ``folds``-fold cross-validation over it.

    ``levels`` are the reference levels; the first fit's own levels are added from all of ``gold`` once, before the
    inner folds (the inner folds' threshold choice sees groups a fit on their held-out issues formed, not their
    labels; an outer cross-validation calling this on its training folds stays held out).
    Returns the model and the evidence: mean F1 of the held-out issues at every threshold, per fold and overall.
    """
    log = log or (lambda message: None)
    levels = list(levels) if levels is not None else reference_levels(problem)
    sets = problem.positions(gold)
    levels += own_levels(problem, sets, levels, C)
    fold = folds_of(gold, folds)
    totals = np.zeros(len(THRESHOLDS))
    per_fold = []
    for number in range(folds):
        train = [s for s, f in zip(sets, fold) if f != number]
        held = [g for g, f in zip(gold, fold) if f == number]
        model = LinkageModel(C).fit(*training_pairs(problem, train, levels))
        reports = sweep(problem, model, THRESHOLDS, held)
        scores = [sum(i["f1"] for i in r["issues"]) for r in reports]
        totals += scores
        per_fold.append({"fold": number, "issues": [g["id"] for g in held],
                         "mean_f1": [round(s / len(held), 4) for s in scores]})
        log(f"  折 {number + 1}/{folds}：最佳阈值 {_best(THRESHOLDS, scores)}，"
            f"留出平均 F1 {max(scores) / len(held):.4f}")
    curve = totals / len(gold)
    threshold = _best(THRESHOLDS, curve.tolist())
    X, y, w = training_pairs(problem, sets, levels)
    model = LinkageModel(C, threshold=threshold).fit(X, y, w)
    evidence = {"thresholds": list(THRESHOLDS), "cv_mean_f1": [round(float(s), 4) for s in curve],
                "folds": per_fold, "chosen_threshold": threshold,
                "training_levels": {"baseline_cosine": list(REFERENCE_LEVELS), "own_probability": list(OWN_LEVELS)}, "cv_mean_f1_at_chosen": round(float(max(curve)), 4),
                "pairs": {"positive": int(y.sum()), "negative": int(len(y) - y.sum())}}
    return model, evidence


def baseline_reports(problem: Problem, gold: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The gold scored at every baseline threshold (one clustering)."""
    return sweep(problem, CosineRule(max(BASELINE_THRESHOLDS)), BASELINE_THRESHOLDS, gold)


def fit_baseline(reports: Sequence[dict[str, Any]], issues: set[str]) -> float:
    """The baseline's one parameter: the cosine threshold of ``BASELINE_THRESHOLDS`` best on the given issues."""
    scores = [sum(i["f1"] for i in r["issues"] if i["id"] in issues) for r in reports]
    return _best(BASELINE_THRESHOLDS, scores)


def baseline_held_out(reports: Sequence[dict[str, Any]], train: set[str], held: set[str]) -> tuple[float, list]:
    """The baseline's threshold fitted on ``train`` and the held-out issues' results at it."""
    threshold = fit_baseline(reports, train)
    chosen = reports[BASELINE_THRESHOLDS.index(threshold)]
    return threshold, [i for i in chosen["issues"] if i["id"] in held]


def cross_validate(problem: Problem, gold: Sequence[Mapping[str, Any]], k: int = 5, inner: int = 5,
                   C: float = 1.0, log: Log | None = None, repeats: int = 1) -> dict[str, Any]:
    """K-fold over gold issues: fit the learned rule (threshold by inner CV) and the baseline's threshold on K−1
    folds, cluster everything, score the held-out fold's issues. Every gold issue is scored once per dealing.

    With ``repeats`` > 1 the issues are dealt into folds again from seeds 1, 2, … and the whole procedure runs once per
    dealing: with a few dozen gold issues, which of them fall together moves one dealing's figure by a few hundredths,
    more than most changes to the rule, so a difference smaller than the spread of the dealings is no difference. The
    figures are then means over the dealings, each dealing's own in ``repeats``.
    """
    if repeats < 1:
        raise ValueError(f"交叉验证的重复次数须至少为 1：{repeats}")
    log = log or (lambda message: None)
    levels = reference_levels(problem)
    reports = baseline_reports(problem, gold)
    dealings = []
    for seed in range(repeats):
        if repeats > 1:
            log(f"第 {seed + 1}/{repeats} 次分折（种子 {seed}）")
        dealings.append(_dealt_once(problem, gold, k, inner, C, log, levels, reports, seed))
    report: dict[str, Any] = {"k": k, "inner": inner, **dealings[0]}
    if repeats > 1:
        report.update(
            repeats=[{key: dealing[key] for key in ("seed", "mean_f1", "baseline_mean_f1", "folds")}
                     for dealing in dealings],
            folds=[fold for dealing in dealings for fold in dealing["folds"]],
            mean_f1=round(float(np.mean([d["mean_f1"] for d in dealings])), 4),
            baseline_mean_f1=round(float(np.mean([d["baseline_mean_f1"] for d in dealings])), 4),
            issues=_averaged([d["issues"] for d in dealings]),
            baseline_issues=_averaged([d["baseline_issues"] for d in dealings]))
    return report


def _dealt_once(problem: Problem, gold: Sequence[Mapping[str, Any]], k: int, inner: int, C: float, log: Log,
                levels: list[np.ndarray], reports: Sequence[dict[str, Any]], seed: int) -> dict[str, Any]:
    """One dealing of ``cross_validate``: the folds dealt from ``seed``, each held out once."""
    fold = folds_of(gold, k, seed)
    folds, learned_issues, baseline_issues = [], [], []
    for number in range(k):
        train = [g for g, f in zip(gold, fold) if f != number]
        held = [g for g, f in zip(gold, fold) if f == number]
        log(f"外层折 {number + 1}/{k}：训练 {len(train)} 个问题，留出 {len(held)} 个")
        model, _ = fit_rule(problem, train, inner, C, levels, log)
        finder = problem.cluster(model)
        learned = evaluate(problem.assignments(finder, model.threshold), held, [])
        base_threshold, baseline = baseline_held_out(reports, {g["id"] for g in train}, {g["id"] for g in held})
        learned_issues += learned["issues"]
        baseline_issues += baseline
        folds.append({"seed": seed, "fold": number, "issues": [g["id"] for g in held], "threshold": model.threshold,
                      "mean_f1": learned["mean_f1"], "baseline_threshold": base_threshold,
                      "baseline_mean_f1": round(sum(i["f1"] for i in baseline) / len(baseline), 4)})
        log(f"  留出平均 F1：学习规则 {folds[-1]['mean_f1']:.4f}，单阈值基线 {folds[-1]['baseline_mean_f1']:.4f}")
    order = {g["id"]: n for n, g in enumerate(gold)}
    learned_issues.sort(key=lambda i: order[i["id"]])
    baseline_issues.sort(key=lambda i: order[i["id"]])
    return {
        "seed": seed, "folds": folds,
        "mean_f1": round(sum(i["f1"] for i in learned_issues) / len(gold), 4),
        "baseline_mean_f1": round(sum(i["f1"] for i in baseline_issues) / len(gold), 4),
        "issues": learned_issues, "baseline_issues": baseline_issues,
    }


def _averaged(dealings: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each gold issue's results over several dealings (in the same order): precision, recall and F1 averaged, and
    the pieces it split into in each dealing."""
    averaged = []
    for items in zip(*dealings):
        first = items[0]
        averaged.append({"id": first["id"], "title": first["title"], "gold_size": first["gold_size"],
                         **{key: round(float(np.mean([item[key] for item in items])), 4)
                            for key in ("f1", "precision", "recall")},
                         "pieces_per_dealing": [item["pieces"] for item in items]})
    return averaged


def train(problem: Problem, gold: Sequence[Mapping[str, Any]], folds: int = 5, C: float = 1.0,
          log: Log | None = None) -> tuple[LinkageModel, dict[str, Any]]:
    """What ``triage issues-model train`` saves: the rule fitted on all of ``gold`` with its threshold chosen by
    cross-validation, and the baseline cross-validated on the same folds, with its threshold fitted on all."""
    model, evidence = fit_rule(problem, gold, folds, C, log=log)
    reports = baseline_reports(problem, gold)
    fold = folds_of(gold, folds)
    held_out, thresholds = [], []
    for number in range(folds):
        threshold, issues = baseline_held_out(reports, {g["id"] for g, f in zip(gold, fold) if f != number},
                                              {g["id"] for g, f in zip(gold, fold) if f == number})
        held_out += issues
        thresholds.append(threshold)
    baseline = {"rule": "cosine: one threshold on the mean cosine (average linkage)",
                "threshold": fit_baseline(reports, {g["id"] for g in gold}), "fold_thresholds": thresholds,
                "cv_mean_f1": round(sum(i["f1"] for i in held_out) / len(gold), 4)}
    return model, {"cross_validation": evidence, "baseline": baseline}
