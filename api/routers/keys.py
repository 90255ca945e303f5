"""API keys, managed by admins over HTTP (``triage keys create`` does the same from the command line)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select

from ..auth import ADMIN, Caller, create_key
from ..errors import ApiError
from ..schemas import NO_NUL, KeyCreated, KeyIn, KeyOut
from ..service import Service
from ..store.models import ApiKeyRow, AuditRow, utcnow
from .common import AUTH_ERRORS, BODY_ERRORS, errors, get_service

router = APIRouter(prefix="/v1/keys", tags=["密钥"])


def key_view(row: ApiKeyRow) -> dict:
    return {"id": row.id, "role": row.role, "name": row.name, "created_at": row.created_at,
            "revoked_at": row.revoked_at}


@router.post(
    "",
    summary="创建 API 密钥",
    description="返回的 key 只出现这一次；库中只保存其 SHA-256。",
    response_model=KeyCreated,
    status_code=201,
    responses=errors(*AUTH_ERRORS, *BODY_ERRORS),
)
def post_key(payload: KeyIn, caller: Caller = ADMIN, service: Service = Depends(get_service)):
    row, key = create_key(service.store, payload.role, payload.name, caller.actor)
    return {**key_view(row), "key": key}


@router.get(
    "",
    summary="列出 API 密钥",
    description="不含密钥本身。",
    response_model=list[KeyOut],
    responses=errors(*AUTH_ERRORS),
)
def list_keys(caller: Caller = ADMIN, service: Service = Depends(get_service)):
    with service.store.session() as session:
        return [key_view(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))]


@router.delete(
    "/{key_id}",
    summary="吊销 API 密钥",
    description="吊销立即生效；记录保留，供审计日志引用。",
    response_model=KeyOut,
    responses=errors(*AUTH_ERRORS, 404, 422, notes={404: "密钥不存在（key_not_found）"}),
)
def revoke_key(caller: Caller = ADMIN, key_id: str = Path(max_length=32, pattern=NO_NUL), service: Service = Depends(get_service)):
    with service.store.session() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise ApiError(404, "key_not_found", "key_id", id=key_id)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(AuditRow(actor=caller.actor, action="key.revoke", target_type="key", target_id=key_id,
                                 detail={}))
    service.keys.forget()
    return key_view(row)
