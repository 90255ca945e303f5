"""Digest worthiness learned from labelled suggestions: what reviewers of the 直通车 digest would pick.

Labels are 0 (a personal case, an inquiry, a complaint without a proposal), 1 (a public-interest proposal, but minor,
vague or narrow) and 2 (targeted, valuable and feasible). Two logistic regressions over the same features estimate
P(label ≥ 1) and P(label = 2); the score is their mean, the expected label on a 0–1 scale.

The features are ones a reviewer can read (``models/digest_features.toml``): pattern counts for an ask, public or
personal benefit, an inquiry, a named place, department or policy, figures, dates and research, each serving one of
the policy's three qualities, plus the character n-grams most tied to the labels (用语). The breakdown splits the
score exactly: ``base`` is the score of a text with none of the features, and each group's contribution is its part
of the logit times the secant slope of the sigmoid between the base and the text's logit, so the parts add up to the
score for every text.

Near-identical copies of one proposal are grouped (``copy_groups``) so cross-validation never trains on one copy and
tests on another. A trained model is plain JSON in ``models/`` — features, n-grams with their IDF, coefficients,
training data and cross-validated figures beside the keyword baseline; loading it needs neither scikit-learn's
training code nor a pickle.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from .records import Score, Suggestion
from .term_counts import TermCounter
from .text_cache import TextCache

FORMAT_VERSION = 1
QUALITIES = ("targeted", "valuable", "feasible")
WORDING = "wording"
BASE = "base"
# Breakdown keys in display order; they add up to the score.
PARTS = (BASE, *QUALITIES, WORDING)
# The simple baseline every figure is printed beside: the title holds one of these words.
KEYWORD_RULE = re.compile("建议|希望|呼吁|倡议")


class DigestModelError(ValueError):
    """A model file, feature specification or label set that cannot be used; the message says where."""


@dataclass(frozen=True)
class Feature:
    """One readable feature: how often its patterns match in the title or the whole text, on a log scale."""

    name: str
    quality: str
    where: str
    patterns: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.quality not in QUALITIES:
            raise DigestModelError(f"特征 {self.name}：quality 必须是 {'、'.join(QUALITIES)} 之一，当前为 {self.quality!r}")
        if self.where not in ("title", "text"):
            raise DigestModelError(f"特征 {self.name}：where 必须是 title 或 text，当前为 {self.where!r}")
        try:
            object.__setattr__(self, "_regex", re.compile("|".join(f"(?:{p})" for p in self.patterns)))
        except re.error as error:
            raise DigestModelError(f"特征 {self.name}：正则表达式无效（{error}）") from None

    def find_all(self) -> Callable[[str], list]:
        """The patterns' ``findall``: a feature's value is ``log1p`` of how many matches it finds in its text."""
        return self._regex.findall  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "quality": self.quality, "where": self.where, "patterns": list(self.patterns)}


@dataclass(frozen=True)
class FeatureSpec:
    """The features and settings a model is trained with (``models/digest_features.toml``)."""

    features: tuple[Feature, ...]
    ngram_min: int
    ngram_max: int
    min_df: int
    terms: int
    text_weight: float
    C: float

    @classmethod
    def from_dict(cls, table: Mapping[str, Any], where: str = "") -> "FeatureSpec":
        try:
            text, model = table["text"], table["model"]
            features = tuple(Feature(f["name"], f["quality"], f["where"], tuple(f["patterns"]))
                             for f in table["feature"])
            spec = cls(features, int(text["ngram_min"]), int(text["ngram_max"]), int(text["min_df"]),
                       int(text["terms"]), float(text["weight"]), float(model["C"]))
        except (KeyError, TypeError) as error:
            raise DigestModelError(f"{where}: 特征说明缺少或写错了 {error}") from None
        names = [f.name for f in features]
        if len(set(names)) != len(names):
            raise DigestModelError(f"{where}: 特征名称重复：{sorted({n for n in names if names.count(n) > 1})}")
        return spec

    @classmethod
    def load(cls, path: str | Path) -> "FeatureSpec":
        try:
            table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise DigestModelError(f"{path}: 无法读取特征说明（{error}）") from None
        return cls.from_dict(table, str(path))

    def to_dict(self) -> dict[str, Any]:
        return {"text": {"ngram_min": self.ngram_min, "ngram_max": self.ngram_max, "min_df": self.min_df,
                         "terms": self.terms, "weight": self.text_weight},
                "model": {"C": self.C}, "feature": [f.to_dict() for f in self.features]}

    def values(self, suggestions: Sequence[Suggestion]) -> np.ndarray:
        """The readable features, one row per suggestion, columns in ``features`` order: ``log1p`` of the number of
        matches. Each text is read once for all features, and each distinct count's ``log1p`` is computed once."""
        on_title = [(f.find_all(), f.where == "title") for f in self.features]
        counts = np.array([[len(find(title if at_title else text)) for find, at_title in on_title]
                           for title, text in ((s.title, s.text) for s in suggestions)],
                          dtype=np.int64).reshape(len(suggestions), len(self.features))
        distinct, where = np.unique(counts, return_inverse=True)
        return np.array([math.log1p(count) for count in distinct.tolist()], dtype=float)[where].reshape(counts.shape)


class FeatureCache:
    """The readable features' values of suggestions, on disk beside the vector cache under a digest of the features,
    so a run over texts seen before does not match the features' patterns again (on messages_hot.xlsx, about one CPU
    second of scoring the digest, nearly all of it). A value is what ``FeatureSpec.values`` computes, to the bit."""

    def __init__(self, spec: FeatureSpec, path: str | Path):
        self.spec = spec
        features = json.dumps([f.to_dict() for f in spec.features], ensure_ascii=False, sort_keys=True)
        self._texts = TextCache(path, "feature_values", hashlib.sha256(features.encode("utf-8")).hexdigest()[:16])

    def values(self, suggestions: Sequence[Suggestion]) -> np.ndarray:
        """``spec.values`` of the suggestions: stored rows where there are some, the rest computed and stored."""
        keys = [f"{s.title}\0{s.text}" for s in suggestions]  # all a feature reads (``Feature.value``)
        found = {key: np.frombuffer(blob, dtype=np.float64) for key, blob in self._texts.read(keys).items()}
        by_key = dict(zip(keys, suggestions))
        missing = [key for key in by_key if key not in found]
        if missing:
            computed = self.spec.values([by_key[key] for key in missing])
            self._texts.write({key: row.tobytes() for key, row in zip(missing, computed)})
            found.update(zip(missing, computed))
        return np.array([found[key] for key in keys], dtype=float).reshape(len(keys), len(self.spec.features))


class TextTerms:
    """The chosen character n-grams as sublinear TF-IDF, L2-normalised over these n-grams and scaled by ``weight``."""

    def __init__(self, terms: Sequence[str], idf: Sequence[float], ngram_min: int, ngram_max: int, weight: float):
        self.terms = list(terms)
        self.idf = np.asarray(idf, dtype=float)
        self.weight = weight
        wrong = [term for term in self.terms if not ngram_min <= len(term) <= ngram_max]
        if wrong:
            raise DigestModelError(f"n-gram {wrong[0]!r} 的长度不在 ngram_min–ngram_max（{ngram_min}–{ngram_max}）之间")
        # Counts exactly as scikit-learn's character n-grams over this vocabulary (``select``), many times faster.
        self._counter = TermCounter(self.terms)

    @classmethod
    def select(cls, suggestions: Sequence[Suggestion], labels: np.ndarray, spec: FeatureSpec) -> "TextTerms":
        """The ``spec.terms`` n-grams (seen in at least ``min_df`` texts) most tied to the labels by chi-squared."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.feature_selection import chi2

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(spec.ngram_min, spec.ngram_max),
                                     min_df=min(spec.min_df, len(suggestions)), sublinear_tf=True)
        matrix = vectorizer.fit_transform([s.text for s in suggestions])
        strength = np.nan_to_num(chi2(matrix, labels)[0]) if len(set(labels.tolist())) > 1 else np.zeros(
            matrix.shape[1])
        vocabulary = vectorizer.get_feature_names_out()
        chosen = sorted(np.argsort(-strength, kind="stable")[:spec.terms], key=lambda i: vocabulary[i])
        return cls([str(vocabulary[i]) for i in chosen], vectorizer.idf_[chosen], spec.ngram_min, spec.ngram_max,
                   spec.text_weight)

    def transform(self, suggestions: Sequence[Suggestion]) -> sparse.csr_matrix:
        counts = self._counter.counts([_char_text(s.text) for s in suggestions]).astype(float).tocsr()
        counts.data = (1.0 + np.log(counts.data))
        weighted = counts.multiply(self.idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(self.weight / norms) @ weighted)


# scikit-learn's character analyser reads runs of white space as one space.
_WHITE_SPACES = re.compile(r"\s\s+")


def _char_text(text: str) -> str:
    """A text as scikit-learn's lower-casing character n-gram analyser reads it (``TextTerms.select``)."""
    return _WHITE_SPACES.sub(" ", text.lower())


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _secant(base: float, z: np.ndarray) -> np.ndarray:
    """Slope of the sigmoid from ``base`` to ``z``; its derivative where they meet."""
    delta = z - base
    close = np.abs(delta) < 1e-9
    safe = np.where(close, 1.0, delta)
    slope = (_sigmoid(z) - _sigmoid(np.float64(base))) / safe
    derivative = _sigmoid(z) * (1.0 - _sigmoid(z))
    return np.where(close, derivative, slope)


class DigestModel:
    """Two logistic regressions, P(label ≥ 1) and P(label = 2), over readable features and chosen n-grams."""

    OUTCOMES = ("at_least_1", "is_2")

    def __init__(self, spec: FeatureSpec):
        self.spec = spec
        self.text_: TextTerms | None = None
        self.intercepts_: dict[str, float] = {}
        self.feature_coefs_: dict[str, np.ndarray] = {}
        self.term_coefs_: dict[str, np.ndarray] = {}

    # -- learning -----------------------------------------------------------------------------------------------
    def fit(self, suggestions: Sequence[Suggestion], labels: Sequence[int]) -> "DigestModel":
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels, dtype=int)
        for outcome, target in zip(self.OUTCOMES, (y >= 1, y == 2)):
            if len(set(target.tolist())) < 2:
                raise DigestModelError("标注数据不足以训练：标签 0、1、2 都需要至少出现一次"
                                       f"（现有 {dict(sorted(zip(*np.unique(y, return_counts=True))))}）")
        self.text_ = TextTerms.select(suggestions, y, self.spec)
        matrix = self._matrix(suggestions)
        for outcome, target in zip(self.OUTCOMES, (y >= 1, y == 2)):
            regression = LogisticRegression(C=self.spec.C, max_iter=5000).fit(matrix, target)
            coefs = regression.coef_[0]
            n = len(self.spec.features)
            self.intercepts_[outcome] = float(regression.intercept_[0])
            self.feature_coefs_[outcome] = coefs[:n]
            self.term_coefs_[outcome] = coefs[n:]
        return self

    def _matrix(self, suggestions: Sequence[Suggestion]) -> sparse.csr_matrix:
        assert self.text_ is not None, "model is not fitted"
        return sparse.hstack([sparse.csr_matrix(self.spec.values(suggestions)),
                              self.text_.transform(suggestions)]).tocsr()

    # -- answering ----------------------------------------------------------------------------------------------
    def logit_parts(self, suggestions: Sequence[Suggestion],
                    values: np.ndarray | None = None) -> dict[str, dict[str, np.ndarray]]:
        """Per outcome, per group (the three qualities and 用语), each suggestion's part of the logit. ``values`` are
        the suggestions' readable features (``spec.values``) when the caller has them (``FeatureCache``)."""
        values = self.spec.values(suggestions) if values is None else values
        terms = self.text_.transform(suggestions) if self.text_ is not None else None
        parts: dict[str, dict[str, np.ndarray]] = {}
        for outcome in self.OUTCOMES:
            contributions = values * self.feature_coefs_[outcome][None, :]
            groups = {q: np.zeros(len(suggestions)) for q in QUALITIES}
            for column, feature in enumerate(self.spec.features):
                groups[feature.quality] += contributions[:, column]
            groups[WORDING] = np.asarray(terms @ self.term_coefs_[outcome]).ravel() if terms is not None else 0.0
            parts[outcome] = groups
        return parts

    def _split(self, suggestions: Sequence[Suggestion],
               values: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The breakdown per part (adding up to the score) and each part's mean logit over the two outcomes."""
        parts = self.logit_parts(suggestions, values)
        total = {part: np.zeros(len(suggestions)) for part in PARTS}
        logits = {part: np.zeros(len(suggestions)) for part in PARTS}
        for outcome in self.OUTCOMES:
            base = self.intercepts_[outcome]
            z = base + sum(parts[outcome].values())
            slope = _secant(base, z)
            total[BASE] += 0.5 * _sigmoid(np.float64(base))
            logits[BASE] += 0.5 * base
            for group, logit in parts[outcome].items():
                total[group] += 0.5 * slope * logit
                logits[group] += 0.5 * logit
        return total, logits

    def predict(self, suggestions: Sequence[Suggestion]) -> np.ndarray:
        """Digest scores in [0, 1]: the mean of P(label ≥ 1) and P(label = 2)."""
        parts = self.logit_parts(suggestions)
        return sum(0.5 * _sigmoid(self.intercepts_[o] + sum(parts[o].values())) for o in self.OUTCOMES)

    def scores(self, suggestions: Sequence[Suggestion], values: np.ndarray | None = None) -> list[Score]:
        """Each suggestion's score with its breakdown, whose parts add up to the score exactly. ``factors`` puts
        each part on a 0–1 scale: the sigmoid of its share of the logit, so 0.5 means it said nothing either way
        (for ``base``, the base score itself). ``values`` as for ``logit_parts``."""
        if not suggestions:
            return []
        total, logits = self._split(suggestions, values)
        result = []
        for i in range(len(suggestions)):
            breakdown = {part: float(total[part][i]) for part in PARTS}
            factors = {part: float(_sigmoid(logits[part][i])) for part in PARTS}
            factors[BASE] = breakdown[BASE]
            result.append(Score(value=sum(breakdown.values()), breakdown=breakdown, factors=factors))
        return result

    # -- persistence --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        assert self.text_ is not None, "model is not fitted"
        features = {f.name: {o: round(float(self.feature_coefs_[o][i]), 6) for o in self.OUTCOMES}
                    for i, f in enumerate(self.spec.features)}
        terms = [{"term": term, "idf": round(float(self.text_.idf[i]), 6),
                  **{o: round(float(self.term_coefs_[o][i]), 6) for o in self.OUTCOMES}}
                 for i, term in enumerate(self.text_.terms)]
        return {"spec": self.spec.to_dict(),
                "intercepts": {o: round(v, 6) for o, v in self.intercepts_.items()},
                "coefficients": features, "terms": terms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> "DigestModel":
        try:
            model = cls(FeatureSpec.from_dict(data["spec"], where))
            model.intercepts_ = {o: float(data["intercepts"][o]) for o in cls.OUTCOMES}
            model.feature_coefs_ = {o: np.array([data["coefficients"][f.name][o] for f in model.spec.features])
                                    for o in cls.OUTCOMES}
            terms = data["terms"]
            model.term_coefs_ = {o: np.array([t[o] for t in terms], dtype=float) for o in cls.OUTCOMES}
            model.text_ = TextTerms([t["term"] for t in terms], [t["idf"] for t in terms], model.spec.ngram_min,
                                    model.spec.ngram_max, model.spec.text_weight)
        except (KeyError, TypeError) as error:
            raise DigestModelError(f"{where}: 模型文件缺少或写错了 {error}") from None
        return model


def load_model(path: str | Path) -> DigestModel:
    """A trained model from its JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DigestModelError(f"{path}: 无法读取直通车模型（{error}）") from None
    if data.get("format") != FORMAT_VERSION:
        raise DigestModelError(f"{path}: 模型格式版本 {data.get('format')!r}，本程序读取版本 {FORMAT_VERSION}")
    return DigestModel.from_dict(data["model"], str(path))


def save_model(path: str | Path, model: DigestModel, training: Mapping[str, Any]) -> None:
    """Write the model with what it was trained on and the cross-validated figures (``training``)."""
    document = {"format": FORMAT_VERSION, "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "training": training, "model": model.to_dict()}
    Path(path).write_text(readable_json(document) + "\n", encoding="utf-8")


def readable_json(value: Any, indent: str = "") -> str:
    """JSON with anything short on one line (one n-gram, one fold, one feature per line), the rest indented."""
    compact = json.dumps(value, ensure_ascii=False)
    if len(compact) <= 110 or not isinstance(value, (dict, list)) or not value:
        return compact
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {readable_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return "[\n" + ",\n".join(inner + readable_json(v, inner) for v in value) + f"\n{indent}]"


# Near-duplicate copies -------------------------------------------------------------------------------------------


def copy_groups(suggestions: Sequence[Suggestion], shingle: int = 4, overlap: float = 0.5) -> np.ndarray:
    """A group number per suggestion: texts sharing at least ``overlap`` of the shorter one's character shingles
    are one group (transitively). Looser than repost linking: a proposal re-sent with a new title and a few edits
    is still one proposal, and must sit on one side of a cross-validation split."""
    from .dedup import DuplicateLinker

    keys = [DuplicateLinker._key(s) for s in suggestions]
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, key in enumerate(keys):
        grams = {key[i:i + shingle] for i in range(max(1, len(key) - shingle + 1))} if key else set()
        for gram in grams:
            rows.append(row)
            cols.append(vocabulary.setdefault(gram, len(vocabulary)))
    n = len(suggestions)
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, max(1, len(vocabulary))))
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = (matrix @ matrix.T).tocoo()
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, count in zip(shared.row, shared.col, shared.data):
        if i < j and count >= overlap * max(1.0, min(sizes[i], sizes[j])):
            parent[root(i)] = root(j)
    return np.array([root(i) for i in range(n)])


# Figures ---------------------------------------------------------------------------------------------------------


def keyword_scores(suggestions: Sequence[Suggestion]) -> np.ndarray:
    """The baseline: 1 when the title holds 建议/希望/呼吁/倡议, else 0."""
    return np.array([1.0 if KEYWORD_RULE.search(s.title) else 0.0 for s in suggestions])


def auc_2_vs_0(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """How well the scores put strong candidates (2) above unworthy ones (0); ``None`` without both."""
    from sklearn.metrics import roc_auc_score

    keep = labels != 1
    if len(set(labels[keep].tolist())) < 2:
        return None
    return float(roc_auc_score(labels[keep] == 2, scores[keep]))


def ndcg_at(labels: np.ndarray, scores: np.ndarray, k: int = 10) -> float:
    """nDCG@k with gain 2^label − 1; tied scores count at their average gain."""
    from sklearn.metrics import ndcg_score

    if len(labels) < 2:
        return 1.0
    return float(ndcg_score([2.0 ** labels - 1], [scores], k=k))


def cross_validate(suggestions: Sequence[Suggestion], labels: Sequence[int], spec: FeatureSpec, folds: int = 5,
                   seed: int = 0, baselines: Mapping[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Grouped, label-stratified k-fold figures of the model, the keyword rule and any further ``baselines``
    (name -> a score per suggestion): per fold and their mean. Copies of one proposal stay in one fold."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(labels, dtype=int)
    groups = copy_groups(suggestions)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    fixed = {"keyword_rule": keyword_scores(suggestions), **(baselines or {})}
    per_fold: dict[str, list[dict[str, float | None]]] = {name: [] for name in ("model", *fixed)}
    for train, test in splitter.split(np.zeros(len(y)), y, groups):
        model = DigestModel(spec).fit([suggestions[i] for i in train], y[train])
        predicted = {"model": model.predict([suggestions[i] for i in test]),
                     **{name: scores[test] for name, scores in fixed.items()}}
        for name, scores in predicted.items():
            per_fold[name].append({"auc_2_vs_0": auc_2_vs_0(y[test], scores), "ndcg_at_10": ndcg_at(y[test], scores)})
    summary = {}
    for name, rows in per_fold.items():
        summary[name] = {metric: round(float(np.mean([r[metric] for r in rows if r[metric] is not None])), 4)
                         for metric in ("auc_2_vs_0", "ndcg_at_10")}
        summary[name]["folds"] = [{k: None if v is None else round(v, 4) for k, v in r.items()} for r in rows]
    return {"folds": folds, "seed": seed, "grouped_by": "near-duplicate copies (4-character shingles, overlap ≥ 0.5)",
            "copy_groups": int(len(set(groups.tolist()))), "results": summary}
