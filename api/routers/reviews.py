"""Reviewers' decisions: appended, never overwritten, so every issue and suggestion keeps its full history."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from ..auth import REVIEWER, Caller
from ..errors import ApiError
from ..schemas import NO_NUL, ReviewIn, ReviewList, ReviewOut, TargetType
from ..service import Service
from ..store.models import AuditRow, ReviewRow, utcnow
from ..views import review_view
from .common import AUTH_ERRORS, BODY_ERRORS, errors, get_service

router = APIRouter(prefix="/v1", tags=["审阅"])


@router.post(
    "/reviews",
    summary="记录一项审阅决定",
    description="对一个主题、一个问题或一条意见作出决定（shortlist 入围、digest 采纳入专报、reject 不予采纳、adopted 已采纳、"
                "not_adopted 未采纳）并说明理由。每项决定都新增一条记录，不覆盖以前的决定；最近一条即当前决定。",
    response_model=ReviewOut,
    status_code=201,
    responses=errors(*AUTH_ERRORS, 404, *BODY_ERRORS,
                     notes={404: "审阅对象不存在（theme_not_found、issue_not_found、suggestion_not_found），或该问题已并入另一问题（issue_merged）"}),
)
def post_review(payload: ReviewIn, caller: Caller = REVIEWER, service: Service = Depends(get_service)):
    if payload.target_type == "theme":
        if payload.target_id not in {theme.id for theme in service.workspace.themes()}:
            raise ApiError(404, "theme_not_found", "target_id", id=payload.target_id)
    elif payload.target_type == "issue":
        service.issue(payload.target_id, field="target_id")
    elif service.workspace.get(payload.target_id) is None:
        raise ApiError(404, "suggestion_not_found", "target_id", id=payload.target_id)
    now = utcnow()
    row = ReviewRow(target_type=payload.target_type, target_id=payload.target_id, decision=payload.decision,
                    reason=payload.reason, reviewer=caller.actor, created_at=now)
    with service.store.session() as session:
        session.add(row)
        session.flush()
        session.add(AuditRow(at=now, actor=caller.actor, action="review.create", target_type=payload.target_type,
                             target_id=payload.target_id, detail={"review_id": row.id, "decision": row.decision}))
    return review_view(row)


@router.get(
    "/reviews",
    summary="审阅历史",
    description="某个主题、问题或某条意见的全部审阅决定，按时间先后排列。",
    response_model=ReviewList,
    responses=errors(*AUTH_ERRORS, 422),
)
def list_reviews(caller: Caller = REVIEWER,
                 target_type: TargetType = Query(description="theme、issue 或 suggestion"),
                 target_id: str = Query(min_length=1, max_length=200, pattern=NO_NUL),
                 service: Service = Depends(get_service)):
    with service.store.session() as session:
        rows = session.scalars(select(ReviewRow).where(ReviewRow.target_type == target_type,
                                                       ReviewRow.target_id == target_id)
                               .order_by(ReviewRow.id)).all()
    return {"items": [review_view(r) for r in rows]}
