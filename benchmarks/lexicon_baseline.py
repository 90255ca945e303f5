"""The previous digest score, kept only as the baseline ``benchmarks/digest_quality.py`` measures the learned model
against: hand-weighted lexicon factors (``benchmarks/digest_lexicon.toml``) plus the breadth of the suggestion's issue
and whether it names a city priority. The weights and half-way counts are the defaults it shipped with.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from triage.label import TermMatcher
from triage.rank import log_share, priority_matcher_from_config, weighted_score
from triage.records import Issue, Score, Suggestion

LEXICON = Path(__file__).with_name("digest_lexicon.toml")
HALF_AT = {"specificity": 3, "actionability": 2, "evidence": 1.5}
WEIGHTS = {"specificity": 1.5, "actionability": 1.5, "evidence": 1.0, "breadth": 1.0, "priority": 0.5}


class DigestLexicon:
    """The compiled digest lexicon (``benchmarks/digest_lexicon.toml``): patterns per factor, counted in a text."""

    def __init__(self, specificity: Sequence[str], exclude: Sequence[str], actionability: Sequence[str],
                 against: Sequence[str], evidence: Sequence[str]):
        self.specificity = [re.compile(p) for p in specificity]
        self.exclude = tuple(exclude)
        self.actionability = [re.compile(p) for p in actionability]
        self.against = [re.compile(p) for p in against]
        self.evidence = [re.compile(p) for p in evidence]

    @classmethod
    def from_table(cls, table: Mapping) -> "DigestLexicon":
        return cls(table["specificity"]["patterns"], table["specificity"].get("exclude", ()),
                   table["actionability"]["patterns"], table["actionability"].get("against", ()),
                   table["evidence"]["patterns"])

    def found(self, text: str, patterns: Sequence[re.Pattern[str]], exclude: tuple[str, ...] = ()) -> list[str]:
        """The distinct passages of ``text`` the patterns match; overlapping matches merge into one passage, and a
        match ending in one of ``exclude`` does not count."""
        spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(text)
                       if m.end() > m.start() and not m.group().endswith(exclude))
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return list(dict.fromkeys(text[start:end] for start, end in merged))


class DigestScorer:
    """Scores one suggestion as a digest candidate: targeted, feasible, evidenced, shared and on the city's agenda.

    Specificity, actionability and evidence read the suggestion's own title and body: ``n`` distinct matches give
    ``1 - 0.5 ** (n / half_at)``, 0.5 at ``half_at`` matches and closer to 1 with each further one. Actionability
    is scaled down by the share of complaint-only markers, so a protest with one 建议 at the end does not pass for
    a proposal. Breadth is its issue's distinct submitters; priority is whether it names one of the city's stated
    priorities.
    """

    def __init__(self, lexicon: DigestLexicon, priorities: TermMatcher, weights: Mapping[str, float],
                 half_at: Mapping[str, float]):
        self.lexicon = lexicon
        self.priorities = priorities
        self.weights = weights
        self.half_at = half_at

    def _saturated(self, count: int, factor: str) -> float:
        return 1.0 - 0.5 ** (count / self.half_at[factor])

    def factors(self, suggestion: Suggestion, tokens: Sequence[str], issue: Issue | None,
                largest: int) -> dict[str, float]:
        text = suggestion.text
        proposals = len(self.lexicon.found(text, self.lexicon.actionability))
        complaints = len(self.lexicon.found(text, self.lexicon.against))
        actionability = 0.0
        if proposals:
            actionability = self._saturated(proposals, "actionability") * proposals / (proposals + complaints)
        return {
            "specificity": self._saturated(
                len(self.lexicon.found(text, self.lexicon.specificity, self.lexicon.exclude)), "specificity"),
            "actionability": actionability,
            "evidence": self._saturated(len(self.lexicon.found(text, self.lexicon.evidence)), "evidence"),
            "breadth": log_share(issue.submitters, largest) if issue is not None else 0.0,
            "priority": 1.0 if self.priorities.matches(tokens) else 0.0,
        }

    def score(self, suggestion: Suggestion, tokens: Sequence[str], issue: Issue | None,
              largest: int) -> Score:
        return weighted_score(self.factors(suggestion, tokens, issue, largest), self.weights)


def lexicon_scores(suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]], issues: Sequence[Issue],
                   config: dict) -> list[Score]:
    """The previous digest score of each suggestion, its issue's breadth measured against ``issues``."""
    lexicon = DigestLexicon.from_table(tomllib.loads(LEXICON.read_text(encoding="utf-8")))
    scorer = DigestScorer(lexicon, priority_matcher_from_config(config), WEIGHTS, HALF_AT)
    issue_of = {member: issue for issue in issues for member in issue.members}
    largest = max((issue.submitters for issue in issues), default=0)
    return [scorer.score(s, words, issue_of.get(s.id), largest) for s, words in zip(suggestions, tokens)]
