"""The staff site, mounted under ``/admin/``: its routes, its sessions and its limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from ivr.storage.database import DATABASE_ERRORS
from ivr.web.admin import alert_routes, auth, directory, residents, sectors, totp, views
from ivr.web.admin.errors import error_pages_middleware
from ivr.web.admin.keys import SESSIONS, SHARED, THROTTLE
from ivr.web.admin.render import setup_templates
from ivr.web.admin.sessions import SessionPolicy, SessionStore
from ivr.web.admin.short_cache import ShortCache
from ivr.web.csrf import csrf_middleware
from ivr.web.ratelimit import LoginThrottle, ThrottlePolicy

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 300.0
SHARED_SECONDS = 1.0
"""How old the counts and reports shown may be (the pages refresh them every second)."""


def admin_app(
    pool: asyncpg.Pool, key: bytes, session_policy: SessionPolicy, throttle_policy: ThrottlePolicy
) -> web.Application:
    """The staff site; ``key`` keys its session tokens and sign-in limits."""
    admin = web.Application(
        middlewares=[auth.session_middleware, error_pages_middleware, csrf_middleware]
    )
    admin[SESSIONS] = SessionStore(pool, key, session_policy)
    admin[THROTTLE] = LoginThrottle(pool, key, throttle_policy)
    admin[SHARED] = ShortCache(ttl=SHARED_SECONDS)
    setup_templates(admin)
    admin.cleanup_ctx.append(_housekeeping)
    admin.router.add_get("/", views.dashboard)
    admin.router.add_get("/login", auth.login_form)
    admin.router.add_post("/login", auth.login)
    admin.router.add_post("/logout", auth.logout)
    admin.router.add_get("/staff", views.staff_page)
    admin.router.add_post("/staff", views.staff_create)
    admin.router.add_post(r"/staff/{staff_id:\d+}/disable", views.staff_disable)
    admin.router.add_get("/password", views.password_form)
    admin.router.add_post("/password", views.password_change)
    admin.router.add_get("/lang/{language}", views.switch_language)
    alert_routes.add_routes(admin)
    sectors.add_routes(admin)
    residents.add_routes(admin)
    directory.add_routes(admin)
    totp.add_routes(admin)
    return admin


async def _housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Purge expired sessions and old failed sign-ins periodically."""
    task = asyncio.create_task(_purge_forever(app), name="admin-housekeeping")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _purge_forever(app: web.Application) -> None:
    while True:
        try:
            await app[SESSIONS].purge_expired()
            await app[THROTTLE].purge()
        except DATABASE_ERRORS as error:
            log.warning("admin housekeeping failed; will retry", extra={"error": str(error)})
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
