"""The web application factory: the staff site under /admin/, the residents' site under
/portal/, /healthz, /metrics, static files.

The caller owns the database pool (opened before, closed after). Each site (the staff
site, the citizen portal) is a sub-application with its own routes, sessions and
cookies; this factory holds only what they share.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from aiohttp import web

from ivr.config import Settings
from ivr.web.admin.routes import admin_app
from ivr.web.admin.sessions import SessionPolicy
from ivr.web.api.routes import api_app
from ivr.web.client import TRUSTED_PROXIES, trusted_networks
from ivr.web.decoy import DecoyHash
from ivr.web.health import healthz
from ivr.web.input_guard import input_guard
from ivr.web.keys import DECOY_HASH, HEALTH_PROBES, POOL, SETTINGS, HealthProbes
from ivr.web.metrics import add_metrics
from ivr.web.portal.routes import portal_app
from ivr.web.portal.sessions import PortalSessionPolicy
from ivr.web.ratelimit import ThrottlePolicy
from ivr.web.security_headers import STATIC_PREFIX, add_security_headers

STATIC_DIR = Path(__file__).parent / "static"
MAX_BODY_BYTES = 25 * 1024 * 1024
"""A staff recording (20 MB) or a sectors file (5 MB) with its form; every field of a
form is still held to ``input_guard``'s limits."""
ADMIN_APP = web.AppKey("admin_app", web.Application)


def create_app(
    settings: Settings,
    pool: asyncpg.Pool,
    *,
    health_probes: HealthProbes | None = None,
    session_policy: SessionPolicy | None = None,
    throttle_policy: ThrottlePolicy | None = None,
) -> web.Application:
    """Build the application; ``health_probes`` are the running channels' (see
    ivr.web.health); policies default to the documented values (tests shorten them)."""
    # Without a configured key, a random one: sessions then end when the server restarts.
    key = settings.secret_key.encode() if settings.secret_key else secrets.token_bytes(32)
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[input_guard])
    app[SETTINGS] = settings
    app[POOL] = pool
    app[TRUSTED_PROXIES] = trusted_networks(settings.trusted_proxies)
    app[DECOY_HASH] = DecoyHash()
    app[HEALTH_PROBES] = health_probes or {}
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_warm_decoy_hash)
    app.router.add_get("/healthz", healthz)
    add_metrics(app, settings)
    app.router.add_static(STATIC_PREFIX, STATIC_DIR)
    app.router.add_get("/admin", _to_admin)
    admin = admin_app(
        pool,
        key,
        session_policy or SessionPolicy(secure_cookie=settings.web_https),
        throttle_policy or ThrottlePolicy(),
    )
    app[ADMIN_APP] = admin
    app.add_subapp("/admin", admin)
    portal = portal_app(
        pool,
        key,
        secret_key=settings.secret_key,
        session_policy=PortalSessionPolicy(secure_cookie=settings.web_https),
        throttle_policy=throttle_policy or ThrottlePolicy(),
    )
    app.add_subapp("/portal", portal)
    app.add_subapp("/api/v1", api_app())
    return app


async def _to_admin(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/admin/")


async def _warm_decoy_hash(app: web.Application) -> AsyncIterator[None]:
    """Make the decoy hash before the first sign-in needs it."""
    await app[DECOY_HASH].prepare()
    yield
