"""Key-topic candidates are themes: a recurring problem many organisations raise at many places.

A year's key consultation topic is one city policy or department's work, so a theme ranks by how widely it is
raised — distinct submitters, distinct concrete issues and distinct places — and by spread over sectors and
organisation types, recent growth, support (endorsements: support for what is raised, never a sign that more people
raised it) and the city's stated priorities. Each factor is in [0, 1] (counts log-scaled against the largest theme,
as in ``rank``); the score is exactly the sum of its weighted breakdown. A theme raised by fewer than
``min_submitters`` distinct submitters is no candidate at all: one person's issue, however endorsed, is not a
city-wide theme.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .dated_rows import DatedRows
from .entries import Ranking
from .rank import (latest_of, log_share, log_shares, micros, priority_matcher_from_config, priority_matches,
                   recent_growth, recent_growths, weighted_score)
from .records import Score, Suggestion
from .themes import Theme


@dataclass
class ThemeMeasures:
    """The raw figures a theme is ranked on, before scaling; originals only."""

    theme_id: str
    submitters: int
    issues: int
    places: int
    spread: int
    endorsements: int
    dates: list[datetime] = field(default_factory=list)
    priority_share: float = 0.0
    priorities: list[str] = field(default_factory=list)
    # ((latest date, window), growth) as last worked out: a theme measured once is ranked after many changes of others.
    growth_at: tuple[tuple[datetime | None, float], int] | None = field(default=None, compare=False, repr=False)
    # (the ranker's fitted state, score) as last worked out: the maxima and the latest date seldom move.
    score_at: tuple[tuple, Score] | None = field(default=None, compare=False, repr=False)


def measure_themes(themes: Sequence[Theme], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                   config: dict, position: Mapping[str, int] | None = None) -> dict[str, ThemeMeasures]:
    """Theme id -> its figures; ``suggestions`` and ``tokens`` are the corpus, aligned by position (``position``:
    suggestion id -> position, when the caller keeps one)."""
    matcher = priority_matcher_from_config(config)
    position = position if position is not None else {s.id: i for i, s in enumerate(suggestions)}
    measures = {}
    for theme in themes:
        kept = [position[m] for m in theme.members if m in position and not suggestions[position[m]].duplicate_of]
        share, names = priority_matches([tokens[i] for i in kept], matcher)
        measures[theme.id] = ThemeMeasures(
            theme_id=theme.id, submitters=theme.submitters, issues=len(theme.issues), places=len(theme.places),
            spread=len(theme.sectors) + len(theme.org_types), endorsements=theme.endorsements,
            dates=[suggestions[i].submitted_at for i in kept if suggestions[i].submitted_at is not None],
            priority_share=share, priorities=names,
        )
    return measures


# A theme's figures as a row of ``ThemeRanker.fit_rows``, in this order.
ROW_FIGURES = ("submitters", "issues", "places", "spread", "endorsements", "priority_share")


def theme_row(measures: ThemeMeasures) -> tuple[np.ndarray, np.ndarray]:
    """A theme's row of figures (``ROW_FIGURES``) and its originals' dates in microseconds."""
    return (np.array([getattr(measures, name) for name in ROW_FIGURES], dtype=np.float64),
            np.array([micros(d) for d in measures.dates], dtype=np.int64))


class ThemeRanker:
    """Scores themes as key-topic candidates relative to the other themes of the corpus.

    ``fit`` learns the maxima the counts are scaled by and the latest date the growth windows end at.
    """

    def __init__(self, weights: Mapping[str, float], recent_days: float = 90, min_submitters: int = 2):
        self.weights = weights
        self.recent_days = recent_days
        self.min_submitters = min_submitters
        self.latest_: datetime | None = None
        self.max_: dict[str, int] = {}
        self._state: tuple = ()  # what ``fit`` learnt, with the settings: a score computed at this state stands
        self._growths = np.zeros(0, dtype=np.int64)  # per row, after ``fit_rows``

    def growth(self, measures: ThemeMeasures) -> int:
        window = (self.latest_, self.recent_days)
        if measures.growth_at is None or measures.growth_at[0] != window:
            measures.growth_at = (window, recent_growth(measures.dates, self.latest_, self.recent_days))
        return measures.growth_at[1]

    def fit(self, measures: Sequence[ThemeMeasures]) -> "ThemeRanker":
        self.latest_ = max((max(m.dates) for m in measures if m.dates), default=None)
        self.max_ = {
            "breadth": max((m.submitters for m in measures), default=0),
            "issues": max((m.issues for m in measures), default=0),
            "places": max((m.places for m in measures), default=0),
            "spread": max((m.spread for m in measures), default=0),
            "growth": max((self.growth(m) for m in measures), default=0),
            "endorsements": max((m.endorsements for m in measures), default=0),
        }
        self._state = (self.latest_, self.recent_days, tuple(self.max_.items()), tuple(self.weights.items()))
        return self

    def fit_rows(self, figures: np.ndarray, dates: np.ndarray, date_rows: np.ndarray) -> "ThemeRanker":
        """``fit`` on themes' rows (``theme_row``: figures stacked, every date beside its row): the same fitted
        state, computed with arrays. Every figure but the priority share is a whole number, which float64 holds."""
        self.latest_ = latest_of(dates)
        largest = figures.max(axis=0, initial=0).astype(np.int64).tolist()
        growth = recent_growths(dates, date_rows, len(figures), self.latest_, self.recent_days)
        self.max_ = {"breadth": largest[0], "issues": largest[1], "places": largest[2], "spread": largest[3],
                     "growth": int(growth.max(initial=0)), "endorsements": largest[4]}
        self._state = (self.latest_, self.recent_days, tuple(self.max_.items()), tuple(self.weights.items()))
        self._growths = growth
        return self

    def values(self, figures: np.ndarray) -> np.ndarray:
        """``score(...).value`` of every row ``fit_rows`` was fitted on: the same factors, added up in the same
        order, with arrays."""
        columns = {"breadth": 0, "issues": 1, "places": 2, "spread": 3, "endorsements": 4}
        factors = {name: log_shares(figures[:, columns[name]] if name != "growth" else self._growths, self.max_[name])
                   for name in ("breadth", "issues", "places", "spread", "growth", "endorsements")}
        factors["priority"] = figures[:, 5]
        total = np.zeros(len(figures))
        for name, value in factors.items():
            total = total + float(self.weights[name]) * value
        return total

    def factors(self, measures: ThemeMeasures) -> dict[str, float]:
        raw = {"breadth": measures.submitters, "issues": measures.issues, "places": measures.places,
               "spread": measures.spread, "growth": self.growth(measures), "endorsements": measures.endorsements}
        return {**{name: log_share(value, self.max_[name]) for name, value in raw.items()},
                "priority": measures.priority_share}

    def is_candidate(self, measures: ThemeMeasures) -> bool:
        return measures.submitters >= self.min_submitters

    def score(self, measures: ThemeMeasures) -> Score:
        if measures.score_at is None or measures.score_at[0] != self._state:
            measures.score_at = (self._state, weighted_score(self.factors(measures), self.weights))
        return measures.score_at[1]


def theme_ranker_from_config(config: dict) -> ThemeRanker:
    section = config["rank"]["theme"]
    return ThemeRanker(section["weights"], config["rank"]["key_topic"]["recent_days"], section["min_submitters"])


def rank_themes(themes: Sequence[Theme], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                config: dict, measures: Mapping[str, ThemeMeasures] | None = None
                ) -> tuple[list[tuple[Theme, Score]], dict[str, ThemeMeasures]]:
    """The key-topic candidates (themes of at least ``min_submitters`` submitters) best first, equal scores in id
    order, with every theme's figures (candidates or not); ``measures`` are the themes' figures when the caller
    keeps them up to date."""
    measures = dict(measures) if measures is not None else measure_themes(themes, suggestions, tokens, config)
    ranker = theme_ranker_from_config(config).fit(list(measures.values()))
    scored = [(theme, ranker.score(measures[theme.id])) for theme in themes if ranker.is_candidate(measures[theme.id])]
    return sorted(scored, key=lambda pair: (-pair[1].value, pair[0].id)), measures


class CandidateBook:
    """The themes' figures kept as rows one change at a time, and the key-topic candidates ranked from them with
    arrays, so a read after a write measures only the themes it changed and a page of candidates costs a page."""

    def __init__(self, config: dict):
        self.config = config
        self._rows: DatedRows[ThemeMeasures] = DatedRows(len(ROW_FIGURES))
        self._themes: dict[str, Theme] = {}

    def update(self, themes: Mapping[str, Theme], changed: Collection[str] | None, suggestions: Sequence[Suggestion],
               tokens: Sequence[Sequence[str]], position: Mapping[str, int]) -> Ranking[Theme]:
        """The candidates ranked as ``rank_themes`` ranks them; ``themes`` are every theme now by id, ``changed`` the
        ids of those described again or gone since the last update (``None``: all)."""
        if changed is None:
            self._rows, self._themes = DatedRows(len(ROW_FIGURES), list(themes)), {}
            changed = themes.keys()
        now = {theme_id: themes[theme_id] for theme_id in changed if theme_id in themes}
        for theme_id in changed - now.keys():
            self._themes.pop(theme_id, None)
            self._rows.delete(theme_id)
        for theme_id, measures in measure_themes(list(now.values()), suggestions, tokens, self.config,
                                                 position).items():
            self._rows.set(theme_id, measures, *theme_row(measures))
        self._themes.update(now)
        ranker = theme_ranker_from_config(self.config).fit_rows(self._rows.figures, *self._rows.dates())
        candidates = np.flatnonzero(self._rows.figures[:, 0] >= ranker.min_submitters)
        # Rows are in id order, so a stable sort keeps equal scores in id order.
        order = candidates[np.argsort(-ranker.values(self._rows.figures)[candidates], kind="stable")]
        return Ranking(list(self._rows.ids), dict(self._themes), list(self._rows.measures), order, ranker)
