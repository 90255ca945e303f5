"""Ranking with reasons: key-topic candidates among issues, digest candidates among suggestions.

A key-topic score is a weighted sum of factors in [0, 1] with the weights in ``models/config.toml``; the breakdown
keeps each weight × factor so a reviewer sees which factor put a candidate where it is. A digest score comes from the
model learned from labelled suggestions (``triage/digest_model.py``), split into the policy's three qualities. Either
way the score is exactly the sum of its breakdown. Counts are log-scaled against the largest in the corpus (``log1p(x) / log1p(max)``): the biggest
issue gets 1, and ten more people matter more at the bottom of the scale than at the top. Reposts never count:
issue counts cover originals only and a repost is never a digest candidate.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from .config import ConfigError, asset_path
from .digest_model import DigestModel, DigestModelError, load_model
from .label import TermMatcher, load_term_groups
from .records import Issue, Score, Suggestion


def log_share(value: float, largest: float) -> float:
    """``value`` on a log scale where ``largest`` is 1; 0 when nothing in the corpus has any."""
    return math.log1p(value) / math.log1p(largest) if largest > 0 else 0.0


def weighted_score(factors: Mapping[str, float], weights: Mapping[str, float]) -> Score:
    """The weighted sum of ``factors`` with its breakdown; the weights must name exactly these factors."""
    if set(weights) != set(factors):
        missing = sorted(set(factors) - set(weights))
        unknown = sorted(set(weights) - set(factors))
        raise ConfigError(f"权重配置与评分因素不符：缺少 {missing}，多余 {unknown}")
    breakdown = {name: float(weights[name]) * value for name, value in factors.items()}
    return Score(value=sum(breakdown.values()), breakdown=breakdown, factors=dict(factors))


def priority_matcher_from_config(config: dict) -> TermMatcher:
    """The city's stated priorities (``[rank.key_topic] priorities``) as a term matcher, one per file, so what it
    remembers serves every ranking that reads the same suggestions."""
    return _priority_matcher(str(asset_path(config, config["rank"]["key_topic"]["priorities"])))


@lru_cache(maxsize=8)
def _priority_matcher(path: str) -> TermMatcher:
    return TermMatcher(load_term_groups(path, "priority", "terms"))


# Key topics -----------------------------------------------------------------------------------------------------


@dataclass
class IssueMeasures:
    """The raw figures an issue is ranked on, before scaling; originals only."""

    issue_id: str
    submitters: int
    size: int
    endorsements: int
    spread: int
    last_at: datetime | None
    dates: list[datetime] = field(default_factory=list)
    priority_share: float = 0.0
    priorities: list[str] = field(default_factory=list)


def measure_issue(issue: Issue, originals: Sequence[Suggestion], original_tokens: Sequence[Sequence[str]],
                  matcher: TermMatcher) -> IssueMeasures:
    """The figures of one described issue; ``originals`` and their tokens are its non-repost members.

    Spread counts distinct sectors plus districts; data without those fields (citizen messages) fall back to
    distinct organisation types. Priority is the share of originals that name at least one stated priority.
    """
    spread = len(issue.sectors) + len(issue.districts) or len(issue.org_types)
    share, names = priority_matches(original_tokens, matcher)
    return IssueMeasures(
        issue_id=issue.id, submitters=issue.submitters, size=issue.size, endorsements=issue.endorsements,
        spread=spread, last_at=issue.last_at,
        dates=[s.submitted_at for s in originals if s.submitted_at is not None],
        priority_share=share, priorities=names,
    )


def priority_matches(token_lists: Sequence[Sequence[str]], matcher: TermMatcher) -> tuple[float, list[str]]:
    """The share of texts that name at least one stated priority, and the priorities named, most often first."""
    matched: dict[str, int] = {}
    hits = 0
    for tokens in token_lists:
        groups = matcher.matches(tokens)
        hits += bool(groups)
        for name in groups:
            matched[name] = matched.get(name, 0) + 1
    share = hits / len(token_lists) if token_lists else 0.0
    return share, sorted(matched, key=lambda name: (-matched[name], name))


def recent_growth(dates: Sequence[datetime], latest: datetime | None, window_days: float) -> int:
    """How many more dates fall in the last ``window_days`` up to ``latest`` than in the window before (0 if fewer)."""
    if latest is None:
        return 0
    window = timedelta(days=window_days)
    recent = sum(latest - window < d <= latest for d in dates)
    previous = sum(latest - 2 * window < d <= latest - window for d in dates)
    return max(0, recent - previous)


def measure_issues(issues: Sequence[Issue], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                   config: dict) -> dict[str, IssueMeasures]:
    """Issue id -> its figures; ``suggestions`` and ``tokens`` are the corpus, aligned by position."""
    matcher = priority_matcher_from_config(config)
    position = {s.id: i for i, s in enumerate(suggestions)}
    measures = {}
    for issue in issues:
        kept = [position[m] for m in issue.members if not suggestions[position[m]].duplicate_of]
        measures[issue.id] = measure_issue(issue, [suggestions[i] for i in kept], [tokens[i] for i in kept],
                                           matcher)
    return measures


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """A (naive) moment as whole microseconds, so that arrays of them compare and subtract exactly."""
    return (moment - _EPOCH) // _MICROSECOND


@dataclass
class MeasureTable:
    """The figures of many issues as arrays, a row per issue, so thousands are fitted and scored at once."""

    submitters: np.ndarray
    size: np.ndarray
    endorsements: np.ndarray
    spread: np.ndarray
    priority: np.ndarray
    last_at: np.ndarray  # microseconds (see ``micros``); rows without a date hold 0 and are False in ``dated``
    dated: np.ndarray
    dates: np.ndarray  # every original's date in microseconds ...
    date_rows: np.ndarray  # ... and the row of its issue

    @staticmethod
    def row(measures: IssueMeasures) -> tuple[np.ndarray, np.ndarray]:
        """One issue's row of figures and its originals' dates, as ``of`` reads them."""
        last = measures.last_at
        figures = (measures.submitters, measures.size, measures.endorsements, measures.spread,
                   measures.priority_share, micros(last) if last else 0, last is not None)
        return np.array(figures, dtype=np.float64), np.array([micros(d) for d in measures.dates], dtype=np.int64)

    @classmethod
    def of(cls, figures: np.ndarray, dates: np.ndarray, date_rows: np.ndarray) -> "MeasureTable":
        """The table of rows as ``row`` gives them: ``figures`` stacked; the originals' ``dates`` of every row, in
        any order, beside the row each belongs to."""
        # Every figure is a whole number below 2**53 or a share, so float64 holds each exactly.
        whole = figures[:, [0, 1, 2, 3, 5]].astype(np.int64)
        return cls(submitters=whole[:, 0], size=whole[:, 1], endorsements=whole[:, 2], spread=whole[:, 3],
                   priority=figures[:, 4], last_at=whole[:, 4], dated=figures[:, 6] > 0,
                   dates=dates, date_rows=date_rows)


def latest_of(dates: np.ndarray) -> datetime | None:
    """The latest of dates in microseconds (``micros``) as a moment, or ``None`` when there are none."""
    return _EPOCH + int(dates.max()) * _MICROSECOND if len(dates) else None


def recent_growths(dates: np.ndarray, date_rows: np.ndarray, rows: int, latest: datetime | None,
                   window_days: float) -> np.ndarray:
    """``recent_growth`` of each of ``rows`` rows, whose dates (microseconds) are ``dates`` beside their rows."""
    if latest is None:
        return np.zeros(rows, dtype=np.int64)
    end, window = micros(latest), timedelta(days=window_days) // _MICROSECOND
    recent = np.bincount(date_rows[(end - window < dates) & (dates <= end)], minlength=rows)
    previous = np.bincount(date_rows[(end - 2 * window < dates) & (dates <= end - window)], minlength=rows)
    return np.maximum(0, recent - previous)


def log_shares(values: np.ndarray, largest: float) -> np.ndarray:
    """``log_share`` of every value."""
    return np.log1p(values) / math.log1p(largest) if largest > 0 else np.zeros(len(values))


class KeyTopicRanker:
    """Scores issues as key-topic candidates relative to the corpus they come from.

    ``fit`` learns the corpus maxima the counts are scaled by and the latest date, against which recency and the
    growth windows are measured (``recent_days`` ending at the latest date, and the same length before it).
    """

    def __init__(self, weights: Mapping[str, float], recent_days: float = 90, recency_half_life_days: float = 180):
        self.weights = weights
        self.recent_days = recent_days
        self.recency_half_life_days = recency_half_life_days
        self.latest_: datetime | None = None
        self.max_submitters_ = 0
        self.max_size_ = 0
        self.max_endorsements_ = 0
        self.max_spread_ = 0
        self.max_growth_ = 0

    def growth(self, measures: IssueMeasures) -> int:
        """How many more originals arrived in the recent window than in the one before it (0 if fewer)."""
        return recent_growth(measures.dates, self.latest_, self.recent_days)

    def fit(self, measures: Sequence[IssueMeasures]) -> "KeyTopicRanker":
        dates = [m.last_at for m in measures if m.last_at is not None]
        self.latest_ = max(dates, default=None)
        self.max_submitters_ = max((m.submitters for m in measures), default=0)
        self.max_size_ = max((m.size for m in measures), default=0)
        self.max_endorsements_ = max((m.endorsements for m in measures), default=0)
        self.max_spread_ = max((m.spread for m in measures), default=0)
        self.max_growth_ = max((self.growth(m) for m in measures), default=0)
        return self

    def fit_table(self, table: MeasureTable) -> "KeyTopicRanker":
        """``fit`` on the measures of a table: the same fitted state, computed with arrays."""
        self.latest_ = latest_of(table.last_at[table.dated])
        self.max_submitters_ = int(table.submitters.max(initial=0))
        self.max_size_ = int(table.size.max(initial=0))
        self.max_endorsements_ = int(table.endorsements.max(initial=0))
        self.max_spread_ = int(table.spread.max(initial=0))
        self.max_growth_ = int(self.growths(table).max(initial=0))
        return self

    def growths(self, table: MeasureTable) -> np.ndarray:
        """``growth`` of every row."""
        return recent_growths(table.dates, table.date_rows, len(table.submitters), self.latest_, self.recent_days)

    def values(self, table: MeasureTable) -> np.ndarray:
        """``score(...).value`` of every row: the same factors, added up in the same order, with arrays."""
        recency = np.zeros(len(table.submitters))
        if self.latest_ is not None:
            age_days = np.maximum(0.0, (micros(self.latest_) - table.last_at) / 10**6 / 86400)
            recency = np.where(table.dated, 0.5 ** (age_days / self.recency_half_life_days), 0.0)
        factors = {
            "breadth": log_shares(table.submitters, self.max_submitters_),
            "volume": log_shares(table.size, self.max_size_),
            "endorsements": log_shares(table.endorsements, self.max_endorsements_),
            "recency": recency,
            "growth": log_shares(self.growths(table), self.max_growth_),
            "spread": log_shares(table.spread, self.max_spread_),
            "priority": table.priority,
        }
        total = np.zeros(len(table.submitters))
        for name, value in factors.items():
            total = total + float(self.weights[name]) * value
        return total

    def factors(self, measures: IssueMeasures) -> dict[str, float]:
        recency = 0.0
        if measures.last_at is not None and self.latest_ is not None:
            age_days = max(0.0, (self.latest_ - measures.last_at).total_seconds() / 86400)
            recency = 0.5 ** (age_days / self.recency_half_life_days)
        return {
            "breadth": log_share(measures.submitters, self.max_submitters_),
            "volume": log_share(measures.size, self.max_size_),
            "endorsements": log_share(measures.endorsements, self.max_endorsements_),
            "recency": recency,
            "growth": log_share(self.growth(measures), self.max_growth_),
            "spread": log_share(measures.spread, self.max_spread_),
            "priority": measures.priority_share,
        }

    def score(self, measures: IssueMeasures) -> Score:
        return weighted_score(self.factors(measures), self.weights)


def key_topic_ranker_from_config(config: dict) -> KeyTopicRanker:
    section = config["rank"]["key_topic"]
    return KeyTopicRanker(section["weights"], section["recent_days"], section["recency_half_life_days"])


def rank_key_topics(issues: Sequence[Issue], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                    config: dict) -> list[tuple[Issue, Score]]:
    """Every issue with its key-topic score, best first; equal scores in issue-id order."""
    measures = measure_issues(issues, suggestions, tokens, config)
    return rank_measured(issues, measures, key_topic_ranker_from_config(config).fit(list(measures.values())))


def rank_measured(issues: Iterable[Issue], measures: Mapping[str, IssueMeasures],
                  ranker: KeyTopicRanker) -> list[tuple[Issue, Score]]:
    """Issues scored on their figures by a fitted ranker, best first; equal scores in issue-id order."""
    scored = [(issue, ranker.score(measures[issue.id])) for issue in issues]
    return sorted(scored, key=lambda pair: (-pair[1].value, pair[0].id))


# Digest -----------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _load_digest_model(path: str, modified: float) -> DigestModel:
    return load_model(path)


def digest_model_from_config(config: dict) -> DigestModel:
    """The trained digest model ``[rank.digest] model`` names, read once per file version."""
    path = asset_path(config, config["rank"]["digest"]["model"])
    try:
        modified = path.stat().st_mtime
    except OSError as error:
        raise ConfigError(f"{path}: 找不到直通车模型（{error.strerror}）；用 triage digest-model train 训练") from None
    try:
        return _load_digest_model(str(path), modified)
    except DigestModelError as error:
        raise ConfigError(str(error)) from None


def digest_scores(suggestions: Sequence[Suggestion], model: DigestModel) -> dict[str, Score]:
    """Suggestion id -> its digest score with breakdown. A repost carries its original's score when the original is
    among ``suggestions`` (it says the same thing, and a reviewer comparing the two should see one figure)."""
    scores = dict(zip((s.id for s in suggestions), model.scores(suggestions)))
    for s in suggestions:
        if s.duplicate_of in scores:
            scores[s.id] = scores[s.duplicate_of]
    return scores


def rank_digest(suggestions: Sequence[Suggestion], issues: Sequence[Issue],
                config: dict) -> list[tuple[Suggestion, Score, str | None]]:
    """Digest candidates best first, as ``(suggestion, score, issue id)``: originals only, at most
    ``[rank.digest] max_per_issue`` from any one issue; equal scores in suggestion-id order. Scores read only the
    suggestion's own text (``triage/digest_model.py``)."""
    originals = [s for s in suggestions if not s.duplicate_of]
    scores = digest_scores(originals, digest_model_from_config(config))
    issue_of = {member: issue.id for issue in issues for member in issue.members}
    scored = sorted(((s, scores[s.id], issue_of.get(s.id)) for s in originals),
                    key=lambda item: (-item[1].value, item[0].id))
    return take_per_issue(scored, config["rank"]["digest"]["max_per_issue"])


def take_per_issue(ranked: Sequence[tuple[Suggestion, Score, str | None]],
                   cap: int) -> list[tuple[Suggestion, Score, str | None]]:
    """Digest candidates already best first, keeping at most ``cap`` from any one issue."""
    return [ranked[i] for i in kept_per_issue([issue_id for _, _, issue_id in ranked], cap)]


def kept_per_issue(issue_ids: Iterable[str | None], cap: int) -> Iterator[int]:
    """Which places of a ranking (by the issue of each, best first) stay when at most ``cap`` are kept from any one
    issue; places of no issue always stay. The cap is checked at once; the places are found as they are read, so a
    ranking read a page at a time (``issue_book.DigestRanking``) walks only as far as that page."""
    return _kept(issue_ids, checked_cap(cap))


def _kept(issue_ids: Iterable[str | None], cap: int) -> Iterator[int]:
    taken: dict[str, int] = {}
    for place, issue_id in enumerate(issue_ids):
        if issue_id is not None:
            count = taken.get(issue_id, 0)
            if count >= cap:
                continue
            taken[issue_id] = count + 1
        yield place


def checked_cap(cap: object) -> int:
    """``rank.digest.max_per_issue`` when it is a whole number of at least 1; otherwise an error naming it."""
    if not isinstance(cap, int) or cap < 1:
        raise ConfigError(f"rank.digest.max_per_issue 必须是不小于 1 的整数，当前为 {cap!r}")
    return cap
