"""The FastAPI application: ``create_app(db_url, config, workspace)`` builds the whole service.

At start-up the schema is created or upgraded in place, then the workspace is restored from the store (stored
vectors, no re-embedding) and warmed, so the first scoring request costs what every later one costs.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from triage.config import load_config
from triage.workspace import Workspace

from . import web
from .errors import CatchAll, install_error_handlers
from .limits import BodyGuard
from .metrics import Metrics, MetricsMiddleware
from .routers import ROUTERS
from .service import Service
from .settings import ServiceSettings
from .store import Store

log = logging.getLogger("api")

DESCRIPTION = """\
社会组织协商意见的打分与存储服务。

* 意见接收（角色 intake）：`POST /v1/suggestions` 提交并保存，`POST /v1/score` 只打分不保存。
* 审阅（角色 reviewer）：`GET /v1/issues`、`GET /v1/issues/{id}`、`GET /v1/digest`、`POST /v1/reviews`；
  已采纳事项的落实情况：`POST /v1/implementations`、`GET /v1/implementations`、`GET /v1/implementations/history`。
* 管理（角色 admin）：`POST /v1/jobs/recluster`、`GET /v1/jobs/{id}`、`/v1/keys`、`GET /metrics`。

除 `GET /healthz` 外，每个接口都要求 `Authorization: Bearer <密钥>`：没有或无效时返回 401，角色不符时返回 403。
所有错误的响应体都是 `{"error": {"code": "…", "message": "中文说明", "field": "出错字段"}}`。
"""


def leave_cores_to_the_model() -> None:
    """Run numpy's BLAS on one thread from now on.

    A request's own numpy work is a few small products, but after each one OpenBLAS keeps its threads spinning for
    a while, and they take the cores from the e5 engine that embeds the next request (``benchmarks/api_latency.py``,
    one client, 200 embedded body characters: p50 156 ms before, 108 ms after). Called after start-up, so the bulk
    work of restoring a large store still uses every core.
    """
    threadpool_limits(limits=1, user_api="blas")


def warm_up(workspace: Workspace) -> None:
    """Load the embedding model, file the stored originals for repost linking and compute the rankings and the themes
    now rather than on the first request (finding every theme takes seconds at 4,326 stored without the readings
    cache; after that a read finds only what a write changed)."""
    embedder = workspace.embedder
    getattr(embedder, "inner", embedder).embed(["预热"])
    workspace.linker
    workspace.key_topics()
    workspace.digest()
    workspace.theme_candidates()


def create_app(db_url: str, config: dict | None = None, workspace: Workspace | None = None,
               settings: ServiceSettings | None = None,
               on_start: Callable[[Service], None] | None = None) -> FastAPI:
    """The service over the database at ``db_url``; ``workspace`` defaults to one built from ``config``.

    ``on_start`` runs once the store is upgraded and the workspace restored, before the first request (the CLI
    loads files there).
    """
    config = config if config is not None else (workspace.config if workspace is not None else load_config())
    workspace = workspace if workspace is not None else Workspace(config)
    settings = settings or ServiceSettings()
    store = Store(db_url)
    service = Service(store, workspace, settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service.start()
        if on_start is not None:
            on_start(service)
        warm_up(workspace)
        leave_cores_to_the_model()
        log.info("ready: %d suggestions, %d issues", *service.counts())
        yield
        service.jobs.wait(timeout=30)
        store.close()

    app = FastAPI(title="triage 打分与存储服务", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    app.state.metrics = metrics
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(web.router)  # the reviewer workspace's pages (api/web), outside the OpenAPI document
    install_error_handlers(app, page=web.fault_page)
    app.add_middleware(CatchAll)
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
