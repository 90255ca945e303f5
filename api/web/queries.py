"""What the workspace pages and the exports read: review histories, current decisions, organisation feedback, the
accepted digest items of a period and the key-topic shortlist, from the store and the live workspace."""
from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.annual import AnnualReport, build
from triage.documents import DigestItem, KeyTopicEntry, Period
from triage.feedback import Feedback
from triage.workspace import Workspace

from ..service import suggestion_of
from ..views import Filters, RankedThemes
from ..store import Store
from ..store.models import (ApiKeyRow, DuplicateLinkRow, EmbeddingRow, MembershipRow, ReviewRow,
                            SuggestionRow)
from ..tracking import implementations

# Decisions that put a theme on the key-topic shortlist (a shortlisted theme later adopted stays on it).
SHORTLISTED = ("shortlist", "adopted")


def history(session: Session, target_type: str, target_id: str) -> list[ReviewRow]:
    """Every decision on one target, oldest first."""
    return list(session.scalars(select(ReviewRow).where(ReviewRow.target_type == target_type,
                                                        ReviewRow.target_id == target_id).order_by(ReviewRow.id)))


def latest_reviews(session: Session, target_type: str) -> dict[str, ReviewRow]:
    """The current decision per target: the latest review, since reviews are appended and never overwritten."""
    return {target_id: rows[-1] for target_id, rows in decision_histories(session, target_type).items()}


def reviewer_names(session: Session) -> dict[str, str]:
    """Audit actor (``key:<id>``) -> the key's name, so history shows who decided rather than a key id."""
    return {f"key:{key_id}": name or key_id for key_id, name in session.execute(select(ApiKeyRow.id, ApiKeyRow.name))}


# Feedback to organisations -----------------------------------------------------------------------------------------


def feedback(session: Session, workspace: Workspace, submitter: str | None = None) -> list[Feedback]:
    """Feedback rows for one organisation (``submitter``) or for all, by organisation then submission order."""
    own = decision_histories(session, "suggestion")
    by_issue = decision_histories(session, "issue")
    tracked = {"suggestion": implementations(session, "suggestion"), "issue": implementations(session, "issue")}
    rows = []
    for suggestion in workspace.suggestions:
        if submitter is not None and suggestion.submitter != submitter:
            continue
        issue_id = workspace.issue_of(suggestion.id)
        issue = workspace.issue(issue_id) if issue_id else None
        reviews, basis, target = own.get(suggestion.id), "suggestion", suggestion.id
        if not reviews and issue_id:
            reviews, basis, target = by_issue.get(issue_id), "issue", issue_id
        review = reviews[-1] if reviews else None
        rows.append(Feedback(suggestion, issue_id, issue.label if issue else "",
                             review.decision if review else None, review.reason if review else "",
                             review.created_at if review else None, basis if review else None,
                             tuple(r.decision for r in reviews or ()),
                             tracked[basis].get(target) if review and review.decision == "adopted" else None))
    rows.sort(key=lambda f: (f.suggestion.submitter, f.suggestion.submitted_at or datetime.min, f.suggestion.id))
    return rows


def decision_histories(session: Session, target_type: str) -> dict[str, list[ReviewRow]]:
    """Every target's decisions, oldest first."""
    found: dict[str, list[ReviewRow]] = {}
    for row in session.scalars(select(ReviewRow).where(ReviewRow.target_type == target_type).order_by(ReviewRow.id)):
        found.setdefault(row.target_id, []).append(row)
    return found


# Documents ---------------------------------------------------------------------------------------------------------


def digest_items(session: Session, workspace: Workspace, period: Period) -> list[DigestItem]:
    """Suggestions whose current decision is 采纳入专报 (``digest``), recorded within ``period``.

    The period is the reviewers' decision time, not the submission time: an issue of the digest collects what was
    accepted for it, whenever the suggestion arrived. A suggestion accepted and later overruled is left out.
    """
    items = []
    for suggestion_id, review in latest_reviews(session, "suggestion").items():
        suggestion = workspace.get(suggestion_id)
        if suggestion is None or review.decision != "digest" or not period.contains(review.created_at):
            continue
        issue_id = workspace.issue_of(suggestion_id)
        items.append(DigestItem(suggestion, workspace.issue(issue_id) if issue_id else None, review.reason,
                                review.created_at))
    return items


def key_topic_entries(session: Session, workspace: Workspace) -> tuple[list[KeyTopicEntry], int]:
    """Themes whose current decision is 入围 or 已采纳, with their rank among the key-topic candidates; and how many
    candidates there are."""
    ranked = RankedThemes(workspace, Filters())
    current = latest_reviews(session, "theme")
    shortlisted = [ranked.find(theme_id) for theme_id, review in current.items() if review.decision in SHORTLISTED]
    entries = sorted((KeyTopicEntry(entry.rank, entry, current[entry.theme.id].reason) for entry in shortlisted
                      if entry is not None), key=lambda item: item.rank)
    return entries, len(ranked)


def annual_report(session: Session, workspace: Workspace, year: int,
                  rows: list[Feedback] | None = None) -> AnnualReport:
    """The year's consultation report over every stored suggestion, its decisions and implementation statuses
    (``rows``: the feedback records, when the caller has read them already)."""
    rows = rows if rows is not None else feedback(session, workspace)
    theme_of = {issue_id: theme.label for theme in workspace.themes() for issue_id in theme.issues}
    return build(rows, {issue.id: issue for issue in workspace.issues()}, year,
                 lambda issue: theme_of.get(issue.id, issue.topic))


def snapshot(store: Store, config: dict) -> Workspace:
    """A read-only workspace restored from the store with its stored vectors, for exports outside the service.

    Unlike the service's start-up it loads no embedding model and writes nothing: it takes the vectors of the
    embedder that covers the stored suggestions. Raises ``LookupError`` when vectors are missing.
    """
    with store.session() as session:
        counts = session.execute(select(EmbeddingRow.embedder, func.count()).group_by(EmbeddingRow.embedder)).all()
        rows = session.scalars(select(SuggestionRow).order_by(SuggestionRow.pk)).all()
        workspace = Workspace(config)
        if not rows:
            return workspace
        key = max(counts, key=lambda kv: kv[1])[0] if counts else None
        links = dict(session.execute(select(DuplicateLinkRow.suggestion_id, DuplicateLinkRow.original_id)).all())
        issue_of = dict(session.execute(select(MembershipRow.suggestion_id, MembershipRow.issue_id)).all())
        vectors = {sid: np.frombuffer(blob, dtype=np.float32) for sid, blob in session.execute(
            select(EmbeddingRow.suggestion_id, EmbeddingRow.vector).where(EmbeddingRow.embedder == key))}
    suggestions = [suggestion_of(row, links.get(row.id)) for row in rows]
    missing = [s.id for s in suggestions if s.id not in vectors]
    if missing:
        raise LookupError(f"{len(missing)} 条意见没有保存的向量（如 {missing[0]}）；请先用 triage serve 启动一次服务")
    workspace.restore(suggestions, np.vstack([vectors[s.id] for s in suggestions]), issue_of)
    return workspace
