"""Reviewer login: the API key is checked once, then a signed, HTTP-only cookie names the key for twelve hours.

The cookie holds the key's public id, never the key. Every page looks that id up again, so revoking a key logs its
holder out at once. Forms carry a token signed for the same id, and the cookie is ``SameSite=Strict``, so another
site cannot make a logged-in reviewer's browser record a decision.

The signing secret is ``TRIAGE_SESSION_SECRET`` when set (keep sessions across restarts, or share them between
processes), otherwise random per process: a restart then asks everyone to log in again.
"""
from __future__ import annotations

import os
import secrets

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from ..auth import Caller
from ..store import Store
from ..store.models import ApiKeyRow

COOKIE = "triage_session"
MAX_AGE_SECONDS = 12 * 3600
WEB_ROLES = ("reviewer", "admin")

_SECRET = os.environ.get("TRIAGE_SESSION_SECRET") or secrets.token_urlsafe(32)
_sessions = URLSafeTimedSerializer(_SECRET, salt="triage-web-session")
_forms = URLSafeTimedSerializer(_SECRET, salt="triage-web-form")


def open_session(response: Response, request: Request, caller: Caller) -> None:
    response.set_cookie(COOKIE, _sessions.dumps({"key": caller.key_id}), max_age=MAX_AGE_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")


def close_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def session_caller(request: Request, store: Store) -> Caller | None:
    """The logged-in reviewer, or ``None`` without a valid cookie or when the key was revoked or lost its role."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    try:
        key_id = _sessions.loads(cookie, max_age=MAX_AGE_SECONDS)["key"]
    except (BadSignature, KeyError, TypeError):
        return None
    with store.session() as session:
        row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None)))
        if row is None or row.role not in WEB_ROLES:
            return None
        return Caller(row.id, row.role, row.name)


def form_token(caller: Caller) -> str:
    return _forms.dumps(caller.key_id)


def valid_form_token(caller: Caller, token: str) -> bool:
    try:
        return _forms.loads(token, max_age=MAX_AGE_SECONDS) == caller.key_id
    except BadSignature:
        return False
