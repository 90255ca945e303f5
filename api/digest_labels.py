"""Reviewers' decisions on suggestions as digest labels, so the digest model can learn this city's judgement.

A suggestion's current decision (its latest review) becomes a label: put into the digest (采纳入专报) or adopted by
the departments (已采纳) is 2, shortlisted (入围) is 1, rejected (不予采纳) or not adopted (未采纳) is 0. Decisions on
issues are not about one suggestion's text and are not used.
"""
from __future__ import annotations

from sqlalchemy import select

from triage.records import Suggestion

from .service import suggestion_of
from .store import Store
from .store.models import SuggestionRow
from .views import latest_decisions

DECISION_LABELS: dict[str, int] = {"digest": 2, "adopted": 2, "shortlist": 1, "reject": 0, "not_adopted": 0}


def review_labels(url: str) -> list[tuple[Suggestion, int]]:
    """Every reviewed suggestion in the store at ``url`` with its label, in the order the store received them."""
    store = Store(url)
    try:
        store.upgrade()
        with store.session() as session:
            current = latest_decisions(session, "suggestion")
            rows = session.scalars(select(SuggestionRow).where(SuggestionRow.id.in_(list(current)))
                                   .order_by(SuggestionRow.pk)).all() if current else []
            return [(suggestion_of(row, None), DECISION_LABELS[current[row.id]]) for row in rows]
    finally:
        store.close()
