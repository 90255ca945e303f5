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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .rank import log_share, priority_matcher_from_config, priority_matches, recent_growth, weighted_score
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
