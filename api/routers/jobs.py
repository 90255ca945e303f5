"""Background jobs: start a full re-cluster and follow its progress."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from ..auth import ADMIN, Caller
from ..schemas import NO_NUL, JobOut
from ..service import Service
from .common import AUTH_ERRORS, errors, get_service

router = APIRouter(prefix="/v1/jobs", tags=["任务"])


def job_view(job) -> dict:
    return {"id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress, "message": job.message,
            "result": job.result or {}, "created_at": job.created_at, "started_at": job.started_at,
            "finished_at": job.finished_at}


@router.post(
    "/recluster",
    summary="启动一次全量重新聚类",
    description="在后台对全部意见重新聚合问题。问题编号在成员有重叠时保持不变，审阅决定因此仍挂在原问题上；"
                "运行期间打分和提交照常进行。用 GET /v1/jobs/{id} 查看进度。同一时间只运行一个。",
    response_model=JobOut,
    status_code=202,
    responses=errors(*AUTH_ERRORS, 409, notes={409: "已有重新聚类任务在运行（job_running）"}),
)
def start_recluster(caller: Caller = ADMIN, service: Service = Depends(get_service)):
    return job_view(service.jobs.start_recluster(caller.actor))


@router.get(
    "/{job_id}",
    summary="查看任务进度",
    description="状态（queued、running、succeeded、failed）、进度（0–1）、说明和结果。",
    response_model=JobOut,
    responses=errors(*AUTH_ERRORS, 404, 422, notes={404: "任务不存在（job_not_found）"}),
)
def get_job(caller: Caller = ADMIN, job_id: str = Path(max_length=40, pattern=NO_NUL), service: Service = Depends(get_service)):
    return job_view(service.jobs.get(job_id))
