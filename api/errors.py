"""Every error answer has one shape: ``{"error": {"code": ..., "message": "中文…", "field": ...}}``.

Route code raises ``ApiError``; validation failures, unknown routes and anything unexpected are turned into the same
shape here, so a client never has to parse two formats and a malformed body never becomes a 500.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .messages import TYPE_NAMES, error_message
from .schemas import PATTERN_CODES
from .store.faults import classify

# How a page (not the API) shows a store fault: the web workspace renders it as HTML.
FaultPage = Callable[[Request, str, int, dict[str, str]], Response]

log = logging.getLogger("api.errors")

# Tags of the "one suggestion or a batch" body union; they name a branch, not a field, so they leave the field path.
UNION_TAGS = frozenset({"single", "batch"})


class ApiError(Exception):
    """An answer other than success: HTTP status, stable code, the field at fault, message details.

    ``message`` is given only for the library's own rejections, which arrive already worded.
    """

    def __init__(self, status: int, code: str, field: str | None = None, headers: dict[str, str] | None = None,
                 message: str | None = None, **details: object):
        self.status, self.code, self.field, self.headers = status, code, field, headers
        self.message = message if message is not None else error_message(code, **details)
        super().__init__(self.message)


def error_body(code: str, message: str, field: str | None, details: Sequence[dict] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "field": field}
    if details:
        error["details"] = list(details)
    return {"error": error}


def error_response(status: int, code: str, field: str | None = None, headers: dict[str, str] | None = None,
                   **details: object) -> JSONResponse:
    return JSONResponse(error_body(code, error_message(code, **details), field), status_code=status, headers=headers)


def field_path(loc: Sequence[Any]) -> str | None:
    """``("body", "items", 0, "title")`` -> ``"items[0].title"``; the request part (body, query …) is dropped."""
    parts = [p for p in loc[1:] if p not in UNION_TAGS] if loc and loc[0] in {"body", "query", "path", "header",
                                                                               "cookie"} else list(loc)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or (str(loc[0]) if loc else None)


def _expected(error_type: str) -> str:
    name = error_type.split("_")[0]
    return TYPE_NAMES.get(name, name)


def translate(error: dict[str, Any]) -> dict[str, Any]:
    """One Pydantic error as ``{code, message, field}`` in the API's words."""
    kind: str = error.get("type", "")
    ctx: dict[str, Any] = error.get("ctx") or {}
    field = field_path(error.get("loc", ()))
    if kind == "missing":
        code, details = "missing", {}
    elif kind == "json_invalid":
        code, details, field = "bad_json", {"detail": ctx.get("error", "")}, "body"
    elif kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_attributes_type":
        code, details = "wrong_type", {"expected": _expected(kind)}
    elif kind in {"string_too_long", "too_long"}:
        code, details = "too_long", {"limit": ctx.get("max_length"), "unit": "字符" if kind.startswith("string") else "项"}
    elif kind in {"string_too_short", "too_short"}:
        code, details = "too_short", {"limit": ctx.get("min_length"),
                                      "unit": "字符" if kind.startswith("string") else "项"}
    elif kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        symbol = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "")
        code, details = "out_of_range", {"detail": f"应 {symbol} {bound}"}
    elif kind in {"literal_error", "enum"}:
        code, details = "not_allowed_value", {"allowed": ctx.get("expected", "")}
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_CODES:
        code, details = PATTERN_CODES[ctx["pattern"]], {}
    elif kind == "extra_forbidden":
        code, details = "unknown_field", {}
    else:
        code, details = "invalid", {}
    return {"code": code, "message": error_message(code, **details), "field": field}


def install_error_handlers(app: FastAPI, page: FaultPage | None = None, page_prefix: str = "/web") -> None:
    """``page`` answers store faults on paths under ``page_prefix`` (the reviewers' pages) in HTML."""

    @app.exception_handler(SQLAlchemyError)
    async def _store_fault(request: Request, error: SQLAlchemyError) -> Response:
        """A store that is away, full or read-only is a 503/507 with Retry-After; any other database error is a bug."""
        fault = classify(error)
        if fault is None:
            raise error
        service = request.app.state.service
        service.store.watch.fault(fault)
        wait = service.settings.store_retry_after
        headers = {"Retry-After": str(wait)}
        if page is not None and request.url.path.startswith(page_prefix):
            return page(request, error_message(fault.code, retry_after=wait), fault.status, headers)
        return error_response(fault.status, fault.code, None, headers=headers, retry_after=wait)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error_body(error.code, error.message, error.field), status_code=error.status,
                            headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        found = [translate(e) for e in error.errors()]
        if not found:
            found = [{"code": "invalid", "message": error_message("invalid"), "field": "body"}]
        first = found[0]
        return JSONResponse(error_body(first["code"], first["message"], first["field"], found if len(found) > 1 else None),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return error_response(404, "route_not_found", None, path=request.url.path)
        if error.status_code == 405:
            return error_response(405, "method_not_allowed", None, headers=error.headers, method=request.method)
        if error.status_code == 400:
            return error_response(422, "bad_json", "body", detail=str(error.detail))
        return JSONResponse(error_body("invalid", str(error.detail), None), status_code=error.status_code,
                            headers=error.headers)


class CatchAll:
    """Turns an unexpected exception into the JSON 500 and ends the request cleanly.

    Starlette's own last-resort handler answers and then re-raises, which lets the server drop the connection
    before the answer arrives; here nothing is re-raised, so the client always reads the 500.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                await error_response(500, "internal_error")(scope, receive, send)
