"""Liveness without a key, and Prometheus metrics for monitoring (admin key)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from ..auth import ADMIN, Caller
from ..schemas import Health
from ..service import Service
from .common import AUTH_ERRORS, errors, get_service

router = APIRouter(tags=["运维"])


@router.get("/healthz", summary="存活检查（无需密钥）", description="服务已启动、工作区已载入时返回 ok 及数量。",
            response_model=Health)
def healthz(service: Service = Depends(get_service)):
    suggestions, issues = service.counts()
    return {"status": "ok", "suggestions": suggestions, "issues": issues}


@router.get(
    "/metrics",
    summary="Prometheus 指标",
    description="按接口模板和状态码统计的请求数、延迟直方图，以及已保存的意见数和问题数（Prometheus 文本格式）。",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus 文本格式"},
               **errors(*AUTH_ERRORS)},
)
def metrics(request: Request, caller: Caller = ADMIN, service: Service = Depends(get_service)):
    suggestions, issues = service.counts()
    text = request.app.state.metrics.render({
        "triage_suggestions": ("Suggestions stored.", suggestions),
        "triage_issues": ("Shared issues found.", issues),
    })
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")
