"""Server-side sessions of the residents' portal, apart from the staff's.

The same pattern as the staff sessions (ivr.web.admin.sessions): a random 256-bit token
in an HttpOnly, SameSite=Strict cookie, an HMAC of it in the database, idle and
absolute limits. Its own table, cookie name and path (``/portal/``), so neither site
can read or end the other's. A session without an account is the pre-login session
of the forms, which may carry the number being proven and, once its code was
accepted, for ``PROVEN_FOR`` the right to choose that number's password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ivr.storage import resident_sessions as store
from ivr.storage.resident_sessions import Flow
from ivr.web.keys import CSRF_TOKEN

COOKIE_PATH = "/portal/"
PROVEN_FOR = timedelta(minutes=10)
_LONGEST_TOKEN = 100


@dataclass(frozen=True)
class PortalSessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    anonymous: timedelta = timedelta(hours=1)
    secure_cookie: bool = False

    @property
    def cookie_name(self) -> str:
        return "__Secure-itum_portal" if self.secure_cookie else "itum_portal"


@dataclass(frozen=True)
class ResidentSession:
    token_hash: bytes
    csrf_token: str
    account_id: int | None
    phone_e164: str | None
    """The account's number, None before sign-in."""
    flow: Flow | None


SESSION: web.RequestKey[ResidentSession | None] = web.RequestKey("portal_session")


class ResidentSessionStore:
    def __init__(self, pool: asyncpg.Pool, key: bytes, policy: PortalSessionPolicy) -> None:
        self._pool = pool
        self._key = key
        self.policy = policy

    def token_hash(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

    async def create(
        self, account_id: int | None = None, *, proven: Flow | None = None
    ) -> tuple[str, ResidentSession]:
        """A new session (signed in to ``account_id``, or pre-login carrying a ``proven``
        number); the token for the cookie and the session."""
        token = secrets.token_urlsafe(32)
        token_hash = self.token_hash(token)
        csrf_token = secrets.token_urlsafe(32)
        lifetime = self.policy.absolute if account_id else self.policy.anonymous
        await store.create(self._pool, token_hash, account_id, csrf_token, lifetime=lifetime,
                           flow=proven, proven_for=PROVEN_FOR if proven else None)  # fmt: skip
        return token, ResidentSession(token_hash, csrf_token, account_id, None, proven)

    async def load(self, token: str) -> ResidentSession | None:
        if not token or len(token) > _LONGEST_TOKEN:
            return None
        row = await store.touch(self._pool, self.token_hash(token), self.policy.idle)
        if row is None:
            return None
        return ResidentSession(
            row.token_hash, row.csrf_token, row.account_id, row.account_phone, row.flow
        )

    async def start_flow(self, session: ResidentSession, phone_e164: str, purpose: str) -> None:
        await store.start_flow(self._pool, session.token_hash, phone_e164, purpose)

    async def end(self, session: ResidentSession) -> None:
        await store.delete(self._pool, session.token_hash)

    async def purge_expired(self) -> None:
        await store.purge_expired(self._pool, self.policy.idle)

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(self.policy.cookie_name, token, path=COOKIE_PATH, httponly=True,
                            samesite="Strict", secure=self.policy.secure_cookie)  # fmt: skip

    def clear_cookie(self, response: web.StreamResponse) -> None:
        response.del_cookie(self.policy.cookie_name, path=COOKIE_PATH, httponly=True,
                            samesite="Strict", secure=self.policy.secure_cookie)  # fmt: skip


def session_middleware(sessions: ResidentSessionStore) -> Middleware:
    """Attach the portal session (or None) and its CSRF token to each request."""

    @web.middleware
    async def attach(request: web.Request, handler: Handler) -> web.StreamResponse:
        token = request.cookies.get(sessions.policy.cookie_name, "")
        session = await sessions.load(token) if token else None
        request[SESSION] = session
        request[CSRF_TOKEN] = session.csrf_token if session else None
        return await handler(request)

    return attach
