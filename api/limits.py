"""Limits on what a request may carry, enforced before any handler reads it."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triage.normalise import unstorable

from .errors import error_response

# Bytes without which a body cannot hold a NUL character or a NaN / Infinity: only bodies with one are parsed here.
_SUSPECT_JSON = (b"\\u0000", b"\x00", b"NaN", b"Infinity")
_SUSPECT_FORM = (b"%00", b"\x00")


def media_type(content_type: bytes | None) -> bytes:
    return (content_type or b"").split(b";")[0].strip().lower()


def is_json(content_type: bytes | None) -> bool:
    media = media_type(content_type)
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


def _unstorable_pairs(encoded: bytes) -> tuple[str, str] | None:
    """A NUL character in a query string or a form body: the name of the parameter that carries it."""
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "\\x00") or "query", "nul_character"
    return None


def unstorable_request(scope: Scope, body: bytes) -> tuple[str, str] | None:
    """What in a request no store can keep (see ``triage.normalise.unstorable``), as ``(field, code)``.

    PostgreSQL refuses a NUL character in any text, a lookup key included, and NaN / Infinity in JSON; caught here,
    they are a 422 naming the field on either database instead of a 500 on one of them.
    """
    if "\x00" in scope["path"]:
        return "path", "nul_character"
    found = _unstorable_pairs(scope.get("query_string", b""))
    if found is not None or not body:
        return found
    content_type = dict(scope["headers"]).get(b"content-type")
    if is_json(content_type) and any(marker in body for marker in _SUSPECT_JSON):
        try:
            value = json.loads(body)
        except ValueError:
            return None  # malformed JSON: the handler's validation answers it, naming the problem
        found = unstorable(value)
        return (found[0] or "body", found[1]) if found else None
    if media_type(content_type) == b"application/x-www-form-urlencoded" and any(m in body for m in _SUSPECT_FORM):
        return _unstorable_pairs(body)
    return None


class BodyGuard:
    """Answers 413 for a body over ``max_bytes`` (declared or streamed in chunks), 415 for a body not sent as JSON to
    the JSON API (paths under ``json_prefix``; the reviewer pages post forms), and 422 for a path, query or body
    holding what no store can keep.

    The body is read here, up to the limit, and handed on intact, so a handler never sees a partial body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, json_prefix: str = "/v1/"):
        self.app = app
        self.max_bytes = max_bytes
        self.json_prefix = json_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in {"GET", "HEAD", "OPTIONS", "DELETE"}:
            if not await self._refused(unstorable_request(scope, b""), scope, receive, send):
                await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and scope["path"].startswith(self.json_prefix) and not is_json(
                dict(scope["headers"]).get(b"content-type")):
            response = error_response(415, "unsupported_media_type", "Content-Type")
            await response(scope, receive, send)
            return
        if await self._refused(unstorable_request(scope, body), scope, receive, send):
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refused(self, problem: tuple[str, str] | None, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer 422 for an unstorable request; True when it was answered."""
        if problem is None:
            return False
        field, code = problem
        await error_response(422, code, field)(scope, receive, send)
        return True

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, "body_too_large", "body", limit=self.max_bytes)
        await response(scope, receive, send)
