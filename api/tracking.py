"""Implementation tracking of adopted items: recording a status change, and reading histories and current statuses.

Only an item whose current decision is 已采纳 (``adopted``) may be given a status: tracking what a department does
with a suggestion that was never adopted would report work that was not asked for. Like reviews, changes are
appended and never overwritten, and each one is written to the audit log in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.tracking import Implementation

from .auth import Caller
from .errors import ApiError
from .messages import DECISIONS
from .schemas import ImplementationIn
from .service import Service
from .store.models import AuditRow, ImplementationRow, ReviewRow, utcnow

UNDECIDED = "未审阅"


def current_decision(session: Session, target_type: str, target_id: str) -> str | None:
    return session.scalar(select(ReviewRow.decision).where(ReviewRow.target_type == target_type,
                                                           ReviewRow.target_id == target_id)
                          .order_by(ReviewRow.id.desc()).limit(1))


def record(service: Service, payload: ImplementationIn, caller: Caller) -> ImplementationRow:
    """Store one status change of an adopted item: 404 if the item does not exist, 409 if it is not adopted."""
    if payload.target_type == "issue":
        service.issue(payload.target_id, field="target_id")
    elif service.workspace.get(payload.target_id) is None:
        raise ApiError(404, "suggestion_not_found", "target_id", id=payload.target_id)
    now = utcnow()
    with service.store.session() as session:
        decision = current_decision(session, payload.target_type, payload.target_id)
        if decision != "adopted":
            raise ApiError(409, "not_adopted", "target_id", id=payload.target_id,
                           decision=DECISIONS.get(decision, UNDECIDED))
        row = ImplementationRow(target_type=payload.target_type, target_id=payload.target_id, status=payload.status,
                                happened_on=payload.date, department=payload.department, note=payload.note,
                                evidence_url=payload.evidence_url, recorder=caller.actor, created_at=now)
        session.add(row)
        session.flush()
        session.add(AuditRow(at=now, actor=caller.actor, action="implementation.create",
                             target_type=payload.target_type, target_id=payload.target_id,
                             detail={"implementation_id": row.id, "status": row.status,
                                     "date": row.happened_on.isoformat(), "department": row.department}))
    return row


def history(session: Session, target_type: str, target_id: str) -> list[ImplementationRow]:
    """Every status change of one item, oldest first."""
    return list(session.scalars(select(ImplementationRow).where(ImplementationRow.target_type == target_type,
                                                                ImplementationRow.target_id == target_id)
                                .order_by(ImplementationRow.id)))


@dataclass(frozen=True)
class Current:
    row: ImplementationRow
    changes: int


def latest(session: Session, target_type: str | None = None) -> dict[tuple[str, str], Current]:
    """The current status per (target type, id): the latest change, with how many changes there were."""
    query = select(ImplementationRow).order_by(ImplementationRow.id)
    if target_type is not None:
        query = query.where(ImplementationRow.target_type == target_type)
    found: dict[tuple[str, str], Current] = {}
    for row in session.scalars(query):
        key = (row.target_type, row.target_id)
        found[key] = Current(row, found[key].changes + 1 if key in found else 1)
    return found


def implementations(session: Session, target_type: str) -> dict[str, Implementation]:
    """The library's view of the current status of every tracked item of one type, by id."""
    return {target_id: implementation_of(current.row, current.changes)
            for (_, target_id), current in latest(session, target_type).items()}


def implementation_of(row: ImplementationRow, changes: int = 1) -> Implementation:
    return Implementation(row.status, row.happened_on, row.department, row.note, row.evidence_url, row.created_at,
                          changes)


@dataclass(frozen=True)
class CurrentFilters:
    status: str | None = None
    department: str | None = None
    since: date | None = None
    until: date | None = None

    def matches(self, row: ImplementationRow) -> bool:
        return ((self.status is None or row.status == self.status)
                and (self.department is None or self.department in row.department)
                and (self.since is None or row.happened_on >= self.since)
                and (self.until is None or row.happened_on <= self.until))
