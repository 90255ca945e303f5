"""How adopted items are carried out: status changes appended as history, and the current status of each item."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query

from .. import tracking
from ..auth import REVIEWER, Caller
from ..errors import ApiError
from ..messages import IMPLEMENTATION_STATUSES
from ..schemas import (NO_NUL, ImplementationIn, ImplementationList, ImplementationOut, ImplementationPage,
                       ImplementationStatus, TargetType)
from ..service import Service
from ..views import implementation_view
from .common import AUTH_ERRORS, BODY_ERRORS, errors, get_service
from .issues import page

router = APIRouter(prefix="/v1", tags=["落实情况"])

STATUS_NOTE = "；".join(f"{k}={v}" for k, v in IMPLEMENTATION_STATUSES.items())


@router.post(
    "/implementations",
    summary="记录已采纳事项的落实情况",
    description=f"为当前决定为“已采纳”（adopted）的问题或意见记录落实状态（{STATUS_NOTE}），附日期、责任部门、说明和"
                "可选的佐证链接（http/https）。每次变更都新增一条记录并写入审计日志，不覆盖以前的记录；最近一条即当前状态。",
    response_model=ImplementationOut,
    status_code=201,
    responses=errors(*AUTH_ERRORS, 404, 409, *BODY_ERRORS,
                     notes={404: "对象不存在（issue_not_found、suggestion_not_found），或该问题已并入另一问题（issue_merged）",
                            409: "对象的当前决定不是“已采纳”（not_adopted），不能记录落实情况",
                            422: "请求无效；佐证链接不是 http/https 网址时为 bad_url，field 指明出错字段"}),
)
def post_implementation(payload: ImplementationIn, caller: Caller = REVIEWER, service: Service = Depends(get_service)):
    return implementation_view(tracking.record(service, payload, caller))


@router.get(
    "/implementations",
    summary="已采纳事项的当前落实情况",
    description="每个已记录落实情况的问题或意见的当前状态（最近一条记录），按日期从新到旧排列。"
                "可按对象类型、状态、责任部门（包含该文字）和日期筛选。",
    response_model=ImplementationPage,
    responses=errors(*AUTH_ERRORS, 422),
)
def list_implementations(
    caller: Caller = REVIEWER,
    target_type: TargetType | None = Query(None, description="issue 或 suggestion"),
    status: ImplementationStatus | None = Query(None, description=STATUS_NOTE),
    department: str | None = Query(None, min_length=1, max_length=200, pattern=NO_NUL, description="责任部门包含该文字"),
    since: date | None = Query(None, description="状态日期不早于（含），如 2025-01-01"),
    until: date | None = Query(None, description="状态日期不晚于（含）"),
    paging: tuple[int, int] = Depends(page),
    service: Service = Depends(get_service),
):
    if since is not None and until is not None and since > until:
        raise ApiError(422, "bad_date_range", "since")
    limit, offset = paging
    chosen = tracking.CurrentFilters(status, department, since, until)
    with service.store.session() as session:
        found = [c for c in tracking.latest(session, target_type).values() if chosen.matches(c.row)]
    found.sort(key=lambda c: (c.row.happened_on, c.row.id), reverse=True)
    items = [{**implementation_view(c.row), "changes": c.changes} for c in found[offset:offset + limit]]
    return {"total": len(found), "limit": limit, "offset": offset, "items": items}


@router.get(
    "/implementations/history",
    summary="一个事项的落实情况变更历史",
    description="某个问题或某条意见的全部落实情况记录，按时间先后排列。",
    response_model=ImplementationList,
    responses=errors(*AUTH_ERRORS, 422),
)
def implementation_history(caller: Caller = REVIEWER,
                           target_type: TargetType = Query(description="issue 或 suggestion"),
                           target_id: str = Query(min_length=1, max_length=200, pattern=NO_NUL),
                           service: Service = Depends(get_service)):
    with service.store.session() as session:
        rows = tracking.history(session, target_type, target_id)
    return {"items": [implementation_view(r) for r in rows]}

