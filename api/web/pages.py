"""Shaping records for the templates: score bars, the weekly timeline, duplicates folded under their original, the
list filters and search. No HTML here and no store access: the router passes in what it read."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from triage.privacy import mask_pii
from triage.records import Issue, Score, Suggestion
from triage.theme_reports import ThemeEntry

from ..views import Filters
from .texts import FACTOR_NAMES, UNREVIEWED

# Longest timeline drawn, in weeks; an issue spanning more shows its latest weeks.
MAX_WEEKS = 104


@dataclass
class Bar:
    factor: str
    name: str
    value: float   # the factor, 0–1
    points: float  # weight × factor
    width: float   # share of the largest possible score, in percent


def bars(score: Score, full: float) -> list[Bar]:
    """One bar per factor, scaled so that all bars of a perfect candidate (score ``full``) would fill 100%; a part
    that lowers the score (a digest quality the text lacks) has no bar, only its negative points."""
    full = full or 1.0
    return [Bar(name, FACTOR_NAMES.get(name, name), score.factors.get(name, 0.0), points,
                max(0.0, 100 * points / full))
            for name, points in score.breakdown.items()]


@dataclass
class Week:
    start: date
    originals: int
    reposts: int

    @property
    def total(self) -> int:
        return self.originals + self.reposts


def timeline(members: Iterable[Suggestion]) -> list[Week]:
    """Submissions per week (Monday to Sunday), empty weeks included, from the first week to the last."""
    counts: dict[date, list[int]] = {}
    for s in members:
        if s.submitted_at is None:
            continue
        monday = s.submitted_at.date() - timedelta(days=s.submitted_at.weekday())
        counts.setdefault(monday, [0, 0])[1 if s.duplicate_of else 0] += 1
    if not counts:
        return []
    first, last = min(counts), max(counts)
    first = max(first, last - timedelta(weeks=MAX_WEEKS - 1))
    weeks = []
    day = first
    while day <= last:
        originals, reposts = counts.get(day, (0, 0))
        weeks.append(Week(day, originals, reposts))
        day += timedelta(weeks=1)
    return weeks


@dataclass
class Folded:
    """An original suggestion with the reposts of it folded underneath."""

    suggestion: Suggestion
    reposts: list[Suggestion] = field(default_factory=list)


def fold(members: Sequence[Suggestion]) -> list[Folded]:
    """Members in the issue's order (most representative first), each repost under its original; a repost whose
    original is not a member is listed on its own."""
    present = {s.id for s in members}
    folded = {s.id: Folded(s) for s in members if not s.duplicate_of or s.duplicate_of not in present}
    for s in members:
        if s.duplicate_of and s.duplicate_of in present:
            folded[s.duplicate_of].reposts.append(s)
    return list(folded.values())


@dataclass
class Raiser:
    name: str
    org_type: str
    district: str
    count: int


def raisers(members: Iterable[Suggestion]) -> list[Raiser]:
    """The organisations behind an issue (originals only), most suggestions first."""
    counts = Counter((s.org_name or s.submitter, s.org_type, s.district) for s in members if not s.duplicate_of)
    return [Raiser(mask_pii(n), t, d, c) for (n, t, d), c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def choices(values: Iterable[str]) -> list[str]:
    """Distinct non-empty values, most frequent first: the options of a filter."""
    counts = Counter(v for v in values if v)
    return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


@dataclass
class ListQuery:
    """What a list page was asked for: the API's filters plus review status, free-text search and the page."""

    sector: str = ""
    district: str = ""
    since: date | None = None
    until: date | None = None
    status: str = ""
    q: str = ""
    page: int = 1

    def filters(self) -> Filters:
        return Filters(self.sector or None, self.district or None, self.since, self.until)

    def status_matches(self, decision: str | None) -> bool:
        if not self.status:
            return True
        return decision is None if self.status == UNREVIEWED else decision == self.status

    def params(self, **changes: object) -> dict[str, str]:
        """The query string for this list with ``changes`` applied (empty values left out)."""
        values = {"sector": self.sector, "district": self.district, "since": self.since, "until": self.until,
                  "status": self.status, "q": self.q, "page": self.page, **changes}
        return {k: str(v) for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}


def words(query: str) -> list[str]:
    return [w.lower() for w in query.split() if w]


def issue_matches(issue: Issue, members: Sequence[Suggestion], query: str) -> bool:
    """Every word of ``query`` occurs in the label, a keyword or a member's title."""
    haystack = " ".join([issue.label, *issue.keywords, *(s.original_title or s.title for s in members)]).lower()
    return all(w in haystack for w in words(query))


def theme_matches(entry: ThemeEntry, query: str) -> bool:
    """Every word of ``query`` occurs in the theme's label, a keyword, a place or one of its issues' labels."""
    haystack = " ".join([entry.theme.label, *entry.theme.keywords, *entry.theme.places,
                         *(issue.label for _, issue, _ in entry.issues)]).lower()
    return all(w in haystack for w in words(query))


def suggestion_matches(suggestion: Suggestion, query: str) -> bool:
    """Every word of ``query`` occurs in the title, the body or the organisation's name."""
    haystack = " ".join([suggestion.original_title or suggestion.title, suggestion.original_body or suggestion.body,
                         suggestion.org_name]).lower()
    return all(w in haystack for w in words(query))


def parse_day(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` form value, or ``None`` when empty or unreadable (the page then ignores that filter)."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date() if value and value.strip() else None
    except ValueError:
        return None
