"""Server-side staff sessions in PostgreSQL.

The browser holds a random 256-bit token in an HttpOnly, SameSite=Strict cookie
(Secure when the site is served over https). The database holds only an HMAC of
that token, so a copy of the table cannot be replayed, and a row written by
someone without the key cannot be used. A session ends after ``idle`` without a
request or ``absolute`` after it began, whichever comes first, and can be ended
at any time by deleting its row (logout, password change, account disabled).

A session without a staff member (``staff_id`` NULL) is the short pre-login
session that carries the CSRF token of the sign-in form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from aiohttp import web

from ivr.storage import web_sessions

COOKIE_PATH = "/admin/"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    anonymous: timedelta = timedelta(hours=1)
    secure_cookie: bool = False

    @property
    def cookie_name(self) -> str:
        # The __Secure- prefix makes browsers refuse the cookie unless it is Secure.
        return "__Secure-itum_admin" if self.secure_cookie else "itum_admin"


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    token_hash: bytes
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    staff: Staff | None


class SessionStore:
    """Create, load and end sessions; tokens are hashed with ``key`` before storage."""

    def __init__(self, pool: asyncpg.Pool, key: bytes, policy: SessionPolicy) -> None:
        self._pool = pool
        self._key = key
        self.policy = policy

    def token_hash(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

    async def create(self, staff: Staff | None) -> tuple[str, Session]:
        """A new session; returns the token for the cookie and the session."""
        token = secrets.token_urlsafe(32)
        token_hash = self.token_hash(token)
        csrf_token = secrets.token_urlsafe(32)
        lifetime = self.policy.absolute if staff else self.policy.anonymous
        created_at, expires_at = await web_sessions.create(
            self._pool, token_hash, staff.id if staff else None, csrf_token, lifetime
        )
        return token, Session(token_hash, csrf_token, created_at, expires_at, staff)

    async def load(self, token: str) -> Session | None:
        """The live session for this token, or None (unknown, expired, idle, disabled)."""
        if not token or len(token) > 100:
            return None
        row = await web_sessions.touch(self._pool, self.token_hash(token), self.policy.idle)
        if row is None:
            return None
        staff = None
        if row.staff is not None:
            if row.staff.disabled:
                await self.end(row.token_hash)
                return None
            staff = Staff(row.staff.id, row.staff.email, row.staff.display_name, row.staff.role)
        return Session(row.token_hash, row.csrf_token, row.created_at, row.expires_at, staff)

    async def end(self, token_hash: bytes) -> None:
        await web_sessions.delete(self._pool, token_hash)

    async def purge_expired(self) -> None:
        await web_sessions.purge_expired(self._pool, self.policy.idle)

    async def count_active(self) -> int:
        return await web_sessions.count_active(self._pool, self.policy.idle)

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            self.policy.cookie_name,
            token,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=self.policy.secure_cookie,
        )

    def clear_cookie(self, response: web.StreamResponse) -> None:
        response.del_cookie(
            self.policy.cookie_name,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=self.policy.secure_cookie,
        )
