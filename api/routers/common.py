"""What every router shares: the service dependency and the documented error answers."""
from __future__ import annotations

from typing import Any

from fastapi import Request

from ..schemas import ErrorBody
from ..service import Service

ERROR_DESCRIPTIONS: dict[int, str] = {
    401: "缺少 API 密钥或密钥无效（missing_key、invalid_key）",
    403: "密钥的角色无权访问此接口（wrong_role）",
    404: "对象不存在",
    409: "与已保存的数据冲突",
    413: "请求体或批量过大（body_too_large、batch_too_large）",
    415: "请求体不是 JSON（unsupported_media_type），须带 Content-Type: application/json",
    422: "请求无效：字段缺失、类型错误、取值无效或 JSON 格式错误；field 指明出错字段",
    429: "请求过于频繁（rate_limited），见 Retry-After",
    503: "数据库暂时无法访问（store_unavailable）或只读（store_read_only），未作任何更改；见 Retry-After，以相同编号重试",
    507: "数据库所在磁盘已满（store_full），未作任何更改；见 Retry-After，以相同编号重试",
}
# Any route that reads or writes the store can meet it away, full or read-only.
STORE_ERRORS = (503, 507)


ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}


def errors(*statuses: int, notes: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting the given error statuses with the common error body.

    The JSON content is named explicitly so routes that answer success in another format (``/metrics``) still
    document their errors as JSON. The store's faults (``STORE_ERRORS``) are documented on every route.
    """
    notes = notes or {}
    return {status: {"model": ErrorBody, "description": notes.get(status, ERROR_DESCRIPTIONS[status]),
                     "content": {"application/json": {"schema": ERROR_SCHEMA}}}
            for status in (*statuses, *STORE_ERRORS)}


AUTH_ERRORS = (401, 403, 429)
# Every route that reads a JSON body can also answer these.
BODY_ERRORS = (413, 415, 422)


def get_service(request: Request) -> Service:
    return request.app.state.service
