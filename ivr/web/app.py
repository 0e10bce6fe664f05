"""The web application factory: staff pages under /admin/, /healthz, static files.

The caller owns the database pool (opened before, closed after). The app owns one
background task, started and stopped by its cleanup context, that deletes expired
sessions and old failed sign-ins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from aiohttp import web

from ivr.config import Settings
from ivr.web import auth
from ivr.web.admin import views
from ivr.web.admin.errors import error_pages_middleware
from ivr.web.admin.render import setup_templates
from ivr.web.csrf import csrf_middleware
from ivr.web.decoy import DecoyHash
from ivr.web.health import healthz
from ivr.web.keys import DECOY_HASH, POOL, SESSIONS, SETTINGS, THROTTLE
from ivr.web.ratelimit import LoginThrottle, ThrottlePolicy
from ivr.web.security_headers import STATIC_PREFIX, add_security_headers
from ivr.web.sessions import SessionPolicy, SessionStore

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
PURGE_INTERVAL_SECONDS = 300.0


def create_app(
    settings: Settings,
    pool: asyncpg.Pool,
    *,
    session_policy: SessionPolicy | None = None,
    throttle_policy: ThrottlePolicy | None = None,
) -> web.Application:
    """Build the application; policies default to the documented values (tests shorten them)."""
    # Without a configured key, a random one: sessions then end when the server restarts.
    key = settings.secret_key.encode() if settings.secret_key else secrets.token_bytes(32)
    session_policy = session_policy or SessionPolicy(secure_cookie=settings.web_https)
    app = web.Application(client_max_size=256 * 1024)
    app[SETTINGS] = settings
    app[POOL] = pool
    app[SESSIONS] = SessionStore(pool, key, session_policy)
    app[THROTTLE] = LoginThrottle(pool, key, throttle_policy or ThrottlePolicy())
    app[DECOY_HASH] = DecoyHash()
    setup_templates(app)
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_housekeeping)
    app.router.add_get("/healthz", healthz)
    app.router.add_static(STATIC_PREFIX, STATIC_DIR)
    app.router.add_get("/admin", _to_admin)
    app.add_subapp("/admin", _admin_app())
    return app


def _admin_app() -> web.Application:
    admin = web.Application(
        middlewares=[auth.session_middleware, error_pages_middleware, csrf_middleware]
    )
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
    return admin


async def _to_admin(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/admin/")


async def _housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Warm the decoy hash, then purge expired sessions and old failures periodically."""
    await app[DECOY_HASH].prepare()
    task = asyncio.create_task(_purge_forever(app), name="web-housekeeping")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _purge_forever(app: web.Application) -> None:
    while True:
        try:
            await app[SESSIONS].purge_expired()
            await app[THROTTLE].purge()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("web housekeeping failed; will retry", extra={"error": str(error)})
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
