"""Key-topic candidates as themes: recurring problems across places, each with its concrete issues ranked."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from ..auth import REVIEWER, Caller
from ..errors import ApiError
from ..schemas import NO_NUL, ThemeDetail, ThemePage
from ..service import Service
from ..views import Filters, RankedThemes, suggestion_view, theme_issue, theme_summary
from .common import AUTH_ERRORS, errors, get_service
from .issues import filters, page

router = APIRouter(prefix="/v1", tags=["排序"])


def issues_shown(service: Service) -> int:
    return service.config["rank"]["theme"]["issues_shown"]


@router.get(
    "/themes",
    summary="重点议题候选：主题（按得分排序）",
    description="主题是可由同一项市级政策或同一部门跨地点解决的同类问题（如邻避设施选址、住宅区商业经营扰民）。"
                "两个及以上提出主体反映的主题才是候选，按得分从高到低排列，附得分明细（提出主体、具体问题、地点、"
                "覆盖面、近期增长、附议、契合市级重点）和得分最高的几个具体问题。筛选与分页同 /v1/issues"
                "（主题中至少有一条意见同时满足全部条件），rank 为在全部候选中的名次。",
    response_model=ThemePage,
    responses=errors(*AUTH_ERRORS, 422),
)
def list_themes(caller: Caller = REVIEWER, chosen: Filters = Depends(filters),
                paging: tuple[int, int] = Depends(page), service: Service = Depends(get_service)):
    limit, offset = paging
    entries = RankedThemes(service.workspace, chosen)
    shown = issues_shown(service)
    return {"total": len(entries), "limit": limit, "offset": offset,
            "items": [theme_summary(e, shown) for e in entries[offset:offset + limit]]}


@router.get(
    "/themes/{theme_id}",
    summary="一个主题的详情",
    description="主题的得分明细、全部具体问题（按共同问题名次）和代表性意见（原文，个人信息已遮蔽）。",
    response_model=ThemeDetail,
    responses=errors(*AUTH_ERRORS, 404, 422, notes={404: "主题不存在或不是重点议题候选（theme_not_found）"}),
)
def get_theme(caller: Caller = REVIEWER,
              theme_id: str = Path(max_length=100, pattern=NO_NUL, description="主题编号，如 T-nimby"),
              service: Service = Depends(get_service)):
    entry = RankedThemes(service.workspace, Filters()).find(theme_id)
    if entry is None:
        raise ApiError(404, "theme_not_found", "theme_id", id=theme_id)
    detail = theme_summary(entry, issues_shown(service))
    detail["ranked_issues"] = [theme_issue(*item) for item in entry.issues]
    detail["examples"] = [suggestion_view(s) for s in entry.examples]
    return detail
