"""The learned rule that says whether two groups of suggestions raise the same issue.

People recognise one issue by a shared specific thing (the same estate, shop, company, app or case) as much as by
similar wording, so the rule reads both: ``pair_features`` lists what two groups share, each a mean over member
pairs, and a logistic model weighs them into the probability that the groups are one issue. The finder merges
groups, most probable pair first, while that probability is at least ``threshold``.

The weights are fitted on pairs of groups from hand-checked issues and the threshold is chosen by cross-validation
over those issues (``triage.linkage_fit``, ``triage issues-model train``); both live in ``models/linkage.json``
with the figures that chose them. Loading needs only this module: weights are stored in the features' own units.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import asset_path
from .group_sums import PairSums, Profile
from .issues import CosineRule, LinkRule

# Feature name -> (what it means, the range it is clipped to). Sizes and gaps are clipped where more makes no
# difference, so a group far larger or older than any seen in training is not extrapolated to.
FEATURES: dict[str, tuple[str, tuple[float, float]]] = {
    "cosine": ("mean cosine of the embeddings", (-1.0, 1.0)),
    "words": ("mean TF-IDF similarity of the words, names' words left out (what the problem is)", (0.0, 1.0)),
    "names": ("mean similarity of the place and organisation names (0 when a side names none)", (0.0, 1.0)),
    "unnamed": ("1 when a side names no place or organisation", (0.0, 1.0)),
    "rare_term": ("the rarest word both use, × √ of the share of each group that uses it", (0.0, 1.0)),
    "rare_problem_term": ("the same over the problem words (names' words left out): a rare *what* both share",
                          (0.0, 1.0)),
    "same_submitter": ("share of member pairs sent by the same submitter", (0.0, 1.0)),
    "log_days_apart": ("log(1 + days between the groups' mean submission times); 0 when unknown", (0.0, 6.0)),
    "log_smaller": ("log of the smaller group's size", (0.0, 4.0)),
    "log_larger": ("log of the larger group's size", (0.0, 5.0)),
}
NAMES = tuple(FEATURES)


def features_of(pairs: PairSums) -> np.ndarray:
    """The features of many pairs of groups, a row per pair in the order of ``FEATURES``, clipped to their ranges.

    The one place the features are defined: the finder's batches and single pairs both come through here.
    """
    members = pairs.pairs_of_members
    named = pairs.named[:, 0] * pairs.named[:, 1]  # 0 when a side names no place
    unknown = pairs.dated[:, 0] * pairs.dated[:, 1] == 0
    mean_day = pairs.day_sum / np.where(pairs.dated > 0, pairs.dated, 1.0)
    gap = np.abs(mean_day[:, 0] - mean_day[:, 1])
    gap[unknown] = 0.0
    features = np.empty((len(pairs), len(FEATURES)))
    features[:, 0] = pairs.cosine / members
    features[:, 1] = pairs.words / members
    features[:, 2] = np.divide(pairs.names, named, out=np.zeros(len(pairs)), where=named > 0)
    features[:, 3] = named == 0
    features[:, 4] = np.sqrt(pairs.rare / members)
    features[:, 5] = np.sqrt(pairs.rare_problem / members)
    features[:, 6] = pairs.same_submitter / members
    features[:, 7] = np.log1p(gap)  # 0 when either side's days are unknown
    features[:, 8] = np.log(np.minimum(pairs.size[:, 0], pairs.size[:, 1]))
    features[:, 9] = np.log(np.maximum(pairs.size[:, 0], pairs.size[:, 1]))
    return np.minimum(np.maximum(features, _LOW, out=features), _HIGH, out=features)  # np.clip, without its wrapper


def pair_features(a: Profile, b: Profile) -> np.ndarray:
    """The features of one pair of groups, in the order of ``FEATURES``."""
    return features_of(PairSums.of_profiles([(a, b)]))[0]


_LOW = np.array([low for _, (low, _) in FEATURES.values()])
_HIGH = np.array([high for _, (_, high) in FEATURES.values()])


# No threshold, not even the lowest a cross-validation sweep tries, is below this probability.
LOWEST_THRESHOLD = 0.2
# The cosine floor: below the FLOOR_QUANTILE of same-issue training pairs' mean cosines, less FLOOR_MARGIN.
FLOOR_QUANTILE = 0.01
FLOOR_MARGIN = 0.02


def _sigmoid(values: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-v) where ``scored`` and v ≥ -500 (where it is 0 to the last bit anyway), else 0."""
    scored = scored & (values >= -500)
    probabilities = np.zeros(len(values))
    probabilities[scored] = 1.0 / (1.0 + np.exp(-values[scored]))
    return probabilities


class LinkageModel:
    """Logistic regression of "same issue" over ``pair_features``; a ``LinkRule`` for ``IssueFinder``.

    ``C`` is the inverse L2 strength on standardised features (few features, few issues: keep it modest).
    After ``fit``: ``coef_`` and ``intercept_`` in the features' own units, and ``cosine_floor_``: pairs whose mean
    cosine is below it are not scored at all (probability 0). It is the cosine below which only
    ``FLOOR_QUANTILE`` of the same-issue training pairs lie, less ``FLOOR_MARGIN``: it costs recall on almost no pair
    and spares computing the word features of most neighbouring pairs, which is what keeps 100k suggestions fast.
    """

    def __init__(self, C: float = 1.0, threshold: float = 0.5):
        self.C = C
        self.threshold = threshold
        self.coef_: np.ndarray = np.zeros(len(NAMES))
        self.intercept_: float = 0.0
        self.cosine_floor_: float = -1.0

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "LinkageModel":
        from sklearn.linear_model import LogisticRegression

        X, y = np.asarray(X), np.asarray(y)
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        cosine = X[:, NAMES.index("cosine")]
        positive = cosine[y == 1]
        self.cosine_floor_ = float(np.quantile(positive, FLOOR_QUANTILE)) - FLOOR_MARGIN if len(positive) else -1.0
        # Pairs below the floor are never scored, so they teach nothing: the weights are fitted on the pairs the
        # finder does weigh, where telling the same place's other problems apart is the hard part.
        kept = cosine >= self.cosine_floor_
        X, y, weights = X[kept], y[kept], weights[kept]
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=self.C, max_iter=1000)
        model.fit((X - mean) / scale, y, sample_weight=weights)
        self.coef_ = model.coef_[0] / scale
        self.intercept_ = float(model.intercept_[0] - (model.coef_[0] * mean / scale).sum())
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X) @ self.coef_ + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def needs_sums(self, mean_cosine: np.ndarray) -> np.ndarray:
        return mean_cosine >= self.cosine_floor_

    def score_many(self, pairs: PairSums) -> np.ndarray:
        """The probabilities that the pairs of groups are one issue; 0 below the cosine floor."""
        return _sigmoid(features_of(pairs) @ self.coef_ + self.intercept_, pairs.mean_cosine >= self.cosine_floor_)

    def score(self, a: Profile, b: Profile) -> float:
        return float(self.score_many(PairSums.of_profiles([(a, b)]))[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": "logistic regression of same issue over pair_features (triage/linkage.py)",
            "features": {name: FEATURES[name][0] for name in NAMES},
            "coefficients": {name: round(float(w), 6) for name, w in zip(NAMES, self.coef_)},
            "intercept": round(self.intercept_, 6),
            "cosine_floor": round(self.cosine_floor_, 6),
            "threshold": self.threshold,
            "C": self.C,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LinkageModel":
        model = cls(C=float(data.get("C", 1.0)), threshold=max(LOWEST_THRESHOLD, float(data["threshold"])))
        coefficients = data["coefficients"]
        missing = [name for name in NAMES if name not in coefficients]
        if missing:
            raise ValueError(f"链接模型缺少特征系数：{', '.join(missing)}")
        model.coef_ = np.array([float(coefficients[name]) for name in NAMES])
        model.intercept_ = float(data["intercept"])
        model.cosine_floor_ = float(data["cosine_floor"])
        return model


def load_model(path: str | Path) -> tuple[LinkageModel, dict[str, Any]]:
    """The model in a ``linkage.json`` and the whole document (its evidence)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return LinkageModel.from_dict(document["model"]), document
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: 无法读取链接模型（{error}）") from None


def save_model(path: str | Path, model: LinkageModel, evidence: dict[str, Any]) -> None:
    document = {"model": model.to_dict(), **evidence}
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def rule_from_config(config: dict) -> LinkRule:
    """The rule ``issues.finder.rule`` names: ``cosine:T`` for the single-threshold baseline, else a model file
    (relative to ``models/``)."""
    spec = config["issues"]["finder"]["rule"]
    if spec.startswith("cosine:"):
        try:
            return CosineRule(float(spec.split(":", 1)[1]))
        except ValueError:
            raise ValueError(f"issues.finder.rule：cosine: 后须是数字阈值：{spec!r}") from None
    return load_model(asset_path(config, spec))[0]


def features_table(pairs: Sequence[tuple[Profile, Profile]]) -> np.ndarray:
    return features_of(PairSums.of_profiles(pairs))
