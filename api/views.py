"""Turning the workspace's records into response bodies, and the filters reviewers page through rankings with."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.entries import LazyEntries
from triage.privacy import mask_pii
from triage.records import Issue, Score, Suggestion
from triage.theme_reports import Placed, ThemeEntry, theme_entry
from triage.themes import Theme
from triage.workspace import Workspace

from .messages import DECISIONS, IMPLEMENTATION_STATUSES
from .store.models import ImplementationRow, ReviewRow


@dataclass(frozen=True)
class Filters:
    """Keep a candidate when at least one of its suggestions matches every filter given."""

    sector: str | None = None
    district: str | None = None
    since: date | None = None
    until: date | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.sector, self.district, self.since, self.until))

    def matches(self, suggestion: Suggestion) -> bool:
        if self.sector is not None and suggestion.sector != self.sector:
            return False
        if self.district is not None and suggestion.district != self.district:
            return False
        if self.since is not None or self.until is not None:
            if suggestion.submitted_at is None:
                return False
            day = suggestion.submitted_at.date()
            if (self.since is not None and day < self.since) or (self.until is not None and day > self.until):
                return False
        return True


def suggestion_view(suggestion: Suggestion) -> dict[str, Any]:
    """A suggestion as reviewers read it: phone, ID-card and e-mail details masked (the store keeps the original)."""
    return {
        "id": suggestion.id, "title": mask_pii(suggestion.title), "body": mask_pii(suggestion.body),
        "original_title": mask_pii(suggestion.original_title), "original_body": mask_pii(suggestion.original_body),
        "submitter": suggestion.submitter, "org_name": suggestion.org_name, "org_type": suggestion.org_type,
        "sector": suggestion.sector, "district": suggestion.district, "submitted_at": suggestion.submitted_at,
        "endorsements": suggestion.endorsements, "opposes": suggestion.opposes,
        "duplicate_of": suggestion.duplicate_of,
    }


def issue_summary(rank: int, issue: Issue, score: Score, decision: str | None) -> dict[str, Any]:
    return {
        "rank": rank, "id": issue.id, "label": mask_pii(issue.label), "keywords": [mask_pii(w) for w in issue.keywords],
        "size": issue.size,
        "submitters": issue.submitters, "endorsements": issue.endorsements, "sectors": issue.sectors,
        "districts": issue.districts, "org_types": issue.org_types, "first_at": issue.first_at,
        "last_at": issue.last_at, "score": score.to_dict(), "decision": decision,
    }


def review_view(row: ReviewRow) -> dict[str, Any]:
    return {"id": row.id, "target_type": row.target_type, "target_id": row.target_id, "decision": row.decision,
            "decision_label": DECISIONS[row.decision], "reason": row.reason, "reviewer": row.reviewer,
            "created_at": row.created_at}


def implementation_view(row: ImplementationRow) -> dict[str, Any]:
    return {"id": row.id, "target_type": row.target_type, "target_id": row.target_id, "status": row.status,
            "status_label": IMPLEMENTATION_STATUSES[row.status], "date": row.happened_on,
            "department": mask_pii(row.department), "note": mask_pii(row.note), "evidence_url": row.evidence_url,
            "recorder": row.recorder, "created_at": row.created_at}


def latest_decisions(session: Session, target_type: str, ids: Sequence[str] | None = None) -> dict[str, str]:
    """The current decision per target (of ``ids`` only, when given: a page's): the latest review, since reviews are
    never overwritten."""
    query = select(ReviewRow.target_id, ReviewRow.decision).where(ReviewRow.target_type == target_type)
    if ids is not None:
        query = query.where(ReviewRow.target_id.in_(ids))
    return dict(session.execute(query.order_by(ReviewRow.id)).all())


def ranked_issues(workspace: Workspace, filters: Filters) -> Sequence[tuple[int, Issue, Score]]:
    """Key-topic candidates with their rank in the full ranking, filtered."""
    ranked = Placed(workspace.key_topics())
    if not filters.active():
        return ranked
    return [(rank, issue, score) for rank, issue, score in ranked
            if any(filters.matches(member) for member in workspace.members(issue.id))]


def ranked_digest(workspace: Workspace, filters: Filters) -> Sequence[tuple[int, Suggestion, Score, str]]:
    ranked = Placed(workspace.digest())
    return [entry for entry in ranked if filters.matches(entry[1])] if filters.active() else ranked


class StoredById(Mapping[str, Suggestion]):
    """The workspace's suggestions by id, read where they are (no copy of a map of every suggestion per request)."""

    def __init__(self, workspace: Workspace):
        self._workspace = workspace

    def __getitem__(self, suggestion_id: str) -> Suggestion:
        found = self._workspace.get(suggestion_id)
        if found is None:
            raise KeyError(suggestion_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return (s.id for s in self._workspace.suggestions)

    def __len__(self) -> int:
        return len(self._workspace)


class RankedThemes(LazyEntries[ThemeEntry]):
    """Key-topic candidates (themes) in rank order, filtered like the issues; each entry (its issues ranked, its
    examples) is put together when read, so a page of thousands of themes costs a page."""

    def __init__(self, workspace: Workspace, filters: Filters):
        self._candidates = workspace.theme_candidates()
        ranked = Placed(self._candidates)
        self._ranked: Sequence[tuple[int, Theme, Score]] = ranked if not filters.active() else [
            (rank, theme, score) for rank, theme, score in ranked
            if any(filters.matches(s) for issue_id in theme.issues for s in workspace.members(issue_id))]
        self._filtered = filters.active()
        self._issues = workspace.key_topics()
        self._by_id = StoredById(workspace)

    def __len__(self) -> int:
        return len(self._ranked)

    def _entry(self, index: int) -> ThemeEntry:
        return theme_entry(*self._ranked[index], self._issues.place, self._issues, self._by_id)

    def find(self, theme_id: str) -> ThemeEntry | None:
        """The entry of one theme, or ``None`` when it is not among these candidates."""
        if not self._filtered:
            place = self._candidates.place(theme_id)
            return self[place - 1] if place is not None else None
        return next((self[i] for i, (_, theme, _) in enumerate(self._ranked) if theme.id == theme_id), None)


def theme_issue(issue_rank: int, issue: Issue, score: Score) -> dict[str, Any]:
    return {"issue_rank": issue_rank, "id": issue.id, "label": mask_pii(issue.label), "submitters": issue.submitters,
            "size": issue.size, "score": round(score.value, 6)}


def theme_summary(entry: ThemeEntry, issues_shown: int) -> dict[str, Any]:
    theme = entry.theme
    return {
        "rank": entry.rank, "id": theme.id, "label": mask_pii(theme.label), "source": theme.source,
        "keywords": [mask_pii(w) for w in theme.keywords], "submitters": theme.submitters,
        "organisations": theme.organisations, "issues": len(theme.issues),
        "places": [mask_pii(p) for p in theme.places], "size": theme.size, "endorsements": theme.endorsements,
        "sectors": theme.sectors, "districts": theme.districts, "org_types": theme.org_types,
        "first_at": theme.first_at, "last_at": theme.last_at, "score": entry.score.to_dict(),
        "top_issues": [theme_issue(*item) for item in entry.issues[:issues_shown]],
    }
