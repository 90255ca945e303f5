"""Liveness without a key, and Prometheus metrics for monitoring (admin key)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse

from ..auth import ADMIN, Caller
from ..schemas import Health
from ..service import Service
from .common import AUTH_ERRORS, errors, get_service

router = APIRouter(tags=["运维"])


@router.get("/healthz", summary="存活与就绪检查（无需密钥）",
            description="服务已启动、工作区已载入且数据库可以访问时返回 200、ready=true 及数量；数据库无法访问时返回 "
                        "503、ready=false 和 Retry-After，负载均衡据此暂停转发。store 给出数据库最近的故障"
                        "（磁盘已满、只读时仍可读取，ready 仍为 true）。",
            response_model=Health,
            responses={503: {"model": Health, "description": "数据库无法访问（ready=false），见 Retry-After"}})
def healthz(response: Response, service: Service = Depends(get_service)):
    suggestions, issues = service.counts()
    away = service.store.probe()
    if away is not None:
        response.status_code = 503
        response.headers["Retry-After"] = str(service.settings.store_retry_after)
    fault = away or service.store.watch.current
    return {"status": "ok" if away is None else "unavailable", "ready": away is None,
            "store": fault.code if fault else "ok", "suggestions": suggestions, "issues": issues}


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
