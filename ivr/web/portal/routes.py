"""The residents' site, mounted under ``/portal/``: its routes, sessions and limits."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import asyncpg
import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from ivr.accounts.one_time_codes import CodeKeys
from ivr.storage.database import DATABASE_ERRORS
from ivr.web.csrf import csrf_middleware
from ivr.web.portal import (
    change_password,
    contacts,
    email_links,
    email_preferences,
    my_data,
    proving,
    sign_in,
)
from ivr.web.portal.keys import CODE_KEYS, SESSIONS, THROTTLE
from ivr.web.portal.sessions import PortalSessionPolicy, ResidentSessionStore, session_middleware
from ivr.web.ratelimit import LoginThrottle, ThrottlePolicy

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
SIGNED_LINK = r"{token:[0-9]{1,19}\.[A-Za-z0-9_-]{22}}"
EMAIL_CHANGE = "email_preferences_change"
EMAIL_CONFIRM = "email_confirm"
SIGNED_LINK_FORMS = frozenset({EMAIL_CHANGE, EMAIL_CONFIRM})
PURGE_INTERVAL_SECONDS = 300.0


def portal_app(
    pool: asyncpg.Pool,
    key: bytes,
    *,
    secret_key: str,
    session_policy: PortalSessionPolicy,
    throttle_policy: ThrottlePolicy,
) -> web.Application:
    """The residents' site; its sessions and sign-in limits use keys derived from
    ``key`` (never the staff site's own), its codes ``secret_key`` (none: no codes)."""
    sessions = ResidentSessionStore(pool, _derive(key, b"portal sessions"), session_policy)
    portal = web.Application(middlewares=[session_middleware(sessions), _csrf])
    portal[SESSIONS] = sessions
    portal[THROTTLE] = LoginThrottle(
        pool, _derive(key, b"portal sign-in"), throttle_policy, site="portal"
    )
    portal[CODE_KEYS] = CodeKeys(secret_key) if secret_key else None
    aiohttp_jinja2.setup(
        portal,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
    )
    portal.cleanup_ctx.append(_housekeeping)
    portal.router.add_get("/", sign_in.welcome)
    portal.router.add_get("/sign-in", sign_in.sign_in_form)
    portal.router.add_post("/sign-in", sign_in.sign_in)
    portal.router.add_post("/sign-out", sign_in.sign_out)
    portal.router.add_get("/account", sign_in.account)
    portal.router.add_get("/sign-up", proving.sign_up_form)
    portal.router.add_post("/sign-up", proving.sign_up)
    portal.router.add_get("/forgot", proving.forgot_form)
    portal.router.add_post("/forgot", proving.forgot)
    portal.router.add_get("/code", proving.code_form)
    portal.router.add_post("/code", proving.code)
    portal.router.add_get("/password", proving.password_form)
    portal.router.add_post("/password", proving.password)
    portal.router.add_get("/change-password", change_password.form)
    portal.router.add_post("/change-password", change_password.change)
    portal.router.add_get("/contacts", contacts.show)
    portal.router.add_post("/contacts", contacts.save)
    portal.router.add_get("/my-data", my_data.show)
    portal.router.add_get("/my-data.json", my_data.download)
    portal.router.add_post("/delete", my_data.delete)
    portal.router.add_get("/verify-email/" + SIGNED_LINK, email_links.show)
    portal.router.add_post("/verify-email/" + SIGNED_LINK, email_links.confirm, name=EMAIL_CONFIRM)
    portal.router.add_get("/email/" + SIGNED_LINK, email_preferences.show)
    portal.router.add_post("/email/" + SIGNED_LINK, email_preferences.change, name=EMAIL_CHANGE)
    return portal


@web.middleware
async def _csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CSRF checks on every form but those opened by a signed link from an email: the
    link is the credential, and a mail client's one-click POST (RFC 8058) carries no
    session."""
    if request.match_info.route.name in SIGNED_LINK_FORMS:
        return await handler(request)
    return await csrf_middleware(request, handler)


def _derive(key: bytes, use: bytes) -> bytes:
    return hmac.new(key, use, hashlib.sha256).digest()


async def _housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Purge expired sessions periodically (the staff site purges the shared failures)."""
    task = asyncio.create_task(_purge_forever(app), name="portal-housekeeping")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _purge_forever(app: web.Application) -> None:
    while True:
        try:
            await app[SESSIONS].purge_expired()
        except DATABASE_ERRORS as error:
            log.warning("portal housekeeping failed; will retry", extra={"error": str(error)})
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
