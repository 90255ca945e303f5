"""Rankings for reviewers: common issues (concrete issues ranked) and digest candidates (single suggestions); the
key-topic candidates, themes, are in ``themes``."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select

from ..auth import REVIEWER, Caller
from ..errors import ApiError
from ..schemas import NO_NUL, CorrectionOut, DigestPage, IssueDetail, IssuePage, MergeIn, SplitIn
from ..service import Service
from ..store.models import ReviewRow
from ..views import (Filters, issue_summary, latest_decisions, ranked_digest, ranked_issues, review_view,
                     suggestion_view)
from .common import AUTH_ERRORS, BODY_ERRORS, errors, get_service

router = APIRouter(prefix="/v1", tags=["排序"])

MAX_PAGE = 200


def filters(
    sector: str | None = Query(None, max_length=200, pattern=NO_NUL, description="只看含该领域意见的候选"),
    district: str | None = Query(None, max_length=200, pattern=NO_NUL, description="只看含该区域意见的候选"),
    since: date | None = Query(None, description="提交日期不早于（含），如 2024-01-01"),
    until: date | None = Query(None, description="提交日期不晚于（含）"),
) -> Filters:
    if since is not None and until is not None and since > until:
        raise ApiError(422, "bad_date_range", "since")
    return Filters(sector, district, since, until)


def page(limit: int = Query(20, ge=1, le=MAX_PAGE, description="每页条数"),
         offset: int = Query(0, ge=0, description="跳过的条数")) -> tuple[int, int]:
    return limit, offset


@router.get(
    "/issues",
    summary="共同问题（按得分排序）",
    description="多家组织共同反映的具体问题（同一地点或对象的同一问题），按得分从高到低排列，附得分明细和最近一次审阅决定。"
                "可按领域、区域、提交日期筛选（候选中至少有一条意见同时满足全部条件），rank 为在全部候选中的名次。",
    response_model=IssuePage,
    responses=errors(*AUTH_ERRORS, 422),
)
def list_issues(caller: Caller = REVIEWER, chosen: Filters = Depends(filters),
                paging: tuple[int, int] = Depends(page), service: Service = Depends(get_service)):
    limit, offset = paging
    ranked = ranked_issues(service.workspace, chosen)
    shown = ranked[offset:offset + limit]
    with service.store.session() as session:
        decisions = latest_decisions(session, "issue", [issue.id for _, issue, _ in shown])
    items = [issue_summary(rank, issue, score, decisions.get(issue.id)) for rank, issue, score in shown]
    return {"total": len(ranked), "limit": limit, "offset": offset, "items": items}


@router.get(
    "/issues/{issue_id}",
    summary="一个问题的详情",
    description="标签、关键词、全部成员意见（含重复转发，原文原样）、得分明细和审阅历史。",
    response_model=IssueDetail,
    responses=errors(*AUTH_ERRORS, 404, 422, notes={404: "问题不存在（issue_not_found），或已并入另一问题（issue_merged，说明中给出其编号）"}),
)
def get_issue(caller: Caller = REVIEWER, issue_id: str = Path(max_length=100, pattern=NO_NUL, description="问题编号，如 I00012"),
              service: Service = Depends(get_service)):
    issue = service.issue(issue_id)
    rank, score = service.workspace.key_topic(issue.id)
    with service.store.session() as session:
        reviews = session.scalars(select(ReviewRow).where(ReviewRow.target_type == "issue",
                                                          ReviewRow.target_id == issue.id)
                                  .order_by(ReviewRow.id)).all()
    detail = issue_summary(rank, issue, score, reviews[-1].decision if reviews else None)
    detail["members"] = [suggestion_view(s) for s in service.workspace.members(issue.id)]
    detail["reviews"] = [review_view(r) for r in reviews]
    detail["threads"] = [{"label": label, "members": members} for label, members in service.workspace.threads(issue.id)]
    return detail


ISSUE_ID = Path(max_length=100, pattern=NO_NUL, description="问题编号，如 I00012")


@router.post(
    "/issues/{issue_id}/split",
    summary="拆分一个问题",
    description="把问题中的一部分意见（members，或 threads 中的一个线索）移到一个新问题。拆分记入审计日志，"
                "并作为约束保存：此后重新聚类，这两部分仍分开、各自在一起。",
    response_model=CorrectionOut,
    status_code=201,
    responses=errors(*AUTH_ERRORS, 404, *BODY_ERRORS,
                     notes={404: "问题不存在（issue_not_found），或已并入另一问题（issue_merged）"}),
)
def split_issue(payload: SplitIn, caller: Caller = REVIEWER, issue_id: str = ISSUE_ID,
                service: Service = Depends(get_service)):
    return service.split_issue(issue_id, payload.members, payload.thread, payload.reason, caller.actor)


@router.post(
    "/issues/merge",
    summary="合并几个问题",
    description="把几个问题合并为一个（并入成员最多的问题；被并入的编号此后回答 issue_merged 并指明去向）。"
                "合并记入审计日志，并作为约束保存：此后重新聚类，这些意见仍在同一问题中。",
    response_model=CorrectionOut,
    status_code=201,
    responses=errors(*AUTH_ERRORS, 404, *BODY_ERRORS,
                     notes={404: "某个问题不存在（issue_not_found），或已并入另一问题（issue_merged）"}),
)
def merge_issues(payload: MergeIn, caller: Caller = REVIEWER, service: Service = Depends(get_service)):
    return service.merge_issues(payload.issue_ids, payload.reason, caller.actor)


@router.get(
    "/digest",
    summary="直通车候选（按得分排序）",
    description="适合写入《社会组织协商直通车》的单条意见，按得分从高到低排列（每个问题最多取配置的条数），"
                "附得分明细和最近一次审阅决定。筛选与分页同 /v1/issues。",
    response_model=DigestPage,
    responses=errors(*AUTH_ERRORS, 422),
)
def list_digest(caller: Caller = REVIEWER, chosen: Filters = Depends(filters),
                paging: tuple[int, int] = Depends(page), service: Service = Depends(get_service)):
    limit, offset = paging
    ranked = ranked_digest(service.workspace, chosen)
    shown = ranked[offset:offset + limit]
    with service.store.session() as session:
        decisions = latest_decisions(session, "suggestion", [s.id for _, s, _, _ in shown])
    items = [{"rank": rank, "suggestion": suggestion_view(s), "issue_id": issue_id, "score": score.to_dict(),
              "decision": decisions.get(s.id)} for rank, s, score, issue_id in shown]
    return {"total": len(ranked), "limit": limit, "offset": offset, "items": items}
