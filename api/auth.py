"""API keys: random high-entropy keys, stored only as sha256, each with one role.

Which role may call which route is decided where the route is declared (``Depends(require("reviewer"))``); roles
do not nest, so a key can do exactly what its role names and nothing else.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from .errors import ApiError
from .messages import ROLES
from .store import Store
from .store.models import ApiKeyRow, AuditRow, utcnow

KEY_PREFIX = "trk_"
BEARER = HTTPBearer(auto_error=False, description="API 密钥：Authorization: Bearer <密钥>")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's public id, its role and name. ``actor`` is how the audit log names them."""

    key_id: str
    role: str
    name: str = ""

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"


def create_key(store: Store, role: str, name: str = "", actor: str = "cli") -> tuple[ApiKeyRow, str]:
    """Store a new key's hash and return the row and the key itself (the only time it exists in clear)."""
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}；可用：{', '.join(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(id=secrets.token_hex(6), key_hash=hash_key(key), role=role, name=name, created_at=utcnow())
    with store.session() as session:
        session.add(row)
        session.add(AuditRow(actor=actor, action="key.create", target_type="key", target_id=row.id,
                             detail={"role": role, "name": name}))
    return row, key


class KeyChecker:
    """Looks keys up by hash, remembering verified ones briefly so a scoring call costs no database round trip."""

    def __init__(self, store: Store, cache_seconds: float):
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[Caller, float]] = {}
        self._lock = threading.Lock()

    def caller(self, key: str) -> Caller | None:
        digest = hash_key(key)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit and hit[1] > now:
            return hit[0]
        with self.store.session() as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest,
                                                         ApiKeyRow.revoked_at.is_(None)))
            found = Caller(row.id, row.role, row.name) if row else None
        with self._lock:
            if found:
                self._cache[digest] = (found, now + self.cache_seconds)
            else:
                self._cache.pop(digest, None)
        return found

    def forget(self) -> None:
        """Drop every remembered key (after a revocation, so it takes effect at once)."""
        with self._lock:
            self._cache.clear()


def require(*roles: str):
    """A dependency that answers 401 without a valid key, 403 when the key's role is not one of ``roles`` and 429
    when the key has used up its request budget."""
    allowed = "、".join(roles)

    def check(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(BEARER)) -> Caller:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise ApiError(401, "missing_key", "Authorization", headers={"WWW-Authenticate": "Bearer"})
        caller = request.app.state.service.keys.caller(credentials.credentials)
        if caller is None:
            raise ApiError(401, "invalid_key", "Authorization", headers={"WWW-Authenticate": "Bearer"})
        if caller.role not in roles:
            raise ApiError(403, "wrong_role", "Authorization", role=caller.role, allowed=allowed)
        wait = request.app.state.service.rate.retry_after(caller.key_id)
        if wait:
            raise ApiError(429, "rate_limited", "Authorization", headers={"Retry-After": str(wait)}, retry_after=wait)
        request.state.caller = caller
        return caller

    check.roles = roles
    return check


INTAKE = Depends(require("intake"))
REVIEWER = Depends(require("reviewer"))
ADMIN = Depends(require("admin"))
