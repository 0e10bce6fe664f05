"""Staff sign-in and sign-out, the session middleware, and the access checks.

Sign-in answers the same way, in about the same time, whether the email is
unknown, the password wrong or the account disabled. Failed attempts are limited
per account and per client address. An account with an authenticator then gives a
one-time code (ivr.web.admin.totp) before it is signed in. A successful sign-in
replaces the pre-login session by a new one (no session fixation) and rehashes the
password when the argon2id parameters changed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ivr.accounts.passwords import hash_password, needs_rehash, verify_password
from ivr.storage import audit
from ivr.storage import staff as staff_store
from ivr.storage.staff import StaffLogin
from ivr.web.admin.audit import record_action
from ivr.web.admin.keys import SESSION, SESSIONS, THROTTLE
from ivr.web.admin.render import render
from ivr.web.admin.sessions import Session, Staff
from ivr.web.client import client_address
from ivr.web.i18n import COOKIE as LANGUAGE_COOKIE
from ivr.web.i18n import pick_language
from ivr.web.keys import CSRF_TOKEN, DECOY_HASH, LANGUAGE, POOL

log = logging.getLogger(__name__)

LOGIN_PATH = "/admin/login"
CODE_PATH = "/admin/login/code"
CODE_STEP_TIME = timedelta(minutes=5)
DASHBOARD_PATH = "/admin/"
MAX_FIELD_LENGTH = 1024


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the live session (or None) and the interface language to the request."""
    store = request.config_dict[SESSIONS]
    token = request.cookies.get(store.policy.cookie_name, "")
    session = await store.load(token) if token else None
    request[SESSION] = session
    request[CSRF_TOKEN] = session.csrf_token if session else None
    request[LANGUAGE] = pick_language(request.cookies.get(LANGUAGE_COOKIE))
    return await handler(request)


def require_staff(request: web.Request) -> tuple[Session, Staff]:
    """The signed-in session and staff member, or a redirect to the sign-in page."""
    session = request[SESSION]
    if session is None or session.staff is None:
        store = request.config_dict[SESSIONS]
        had_cookie = store.policy.cookie_name in request.cookies
        raise web.HTTPSeeOther(LOGIN_PATH + ("?expired=1" if had_cookie else ""))
    return session, session.staff


def see_other(location: str) -> web.Response:
    """A 303 redirect that can carry cookies (unlike a raised HTTPException)."""
    return web.Response(status=303, headers={"Location": location})


class AdminOnly(web.HTTPForbidden):
    """A signed-in staff member whose role does not allow the page or action."""


def require_role(request: web.Request, roles: Collection[str]) -> tuple[Session, Staff]:
    """The signed-in session and staff member if their role is among ``roles``."""
    session, staff = require_staff(request)
    if staff.role not in roles:
        raise AdminOnly()
    return session, staff


def require_admin(request: web.Request) -> tuple[Session, Staff]:
    return require_role(request, ("admin",))


async def login_form(request: web.Request) -> web.StreamResponse:
    session = request[SESSION]
    if session is not None and session.staff is not None:
        raise web.HTTPSeeOther(DASHBOARD_PATH)
    notice = ""
    if "expired" in request.query:
        notice = "login.expired"
    elif "bye" in request.query:
        notice = "login.logged_out"
    if session is None:
        store = request.config_dict[SESSIONS]
        token, session = await store.create(None)
        request[SESSION] = session
        response = render(request, "login.html", email="", error="", notice=notice)
        store.set_cookie(response, token)
        return response
    return render(request, "login.html", email="", error="", notice=notice)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email", ""))[:MAX_FIELD_LENGTH].strip()
    password = str(form.get("password", ""))[:MAX_FIELD_LENGTH]
    address = client_address(request)
    pool = request.config_dict[POOL]
    throttle = request.config_dict[THROTTLE]

    if await throttle.is_blocked(email, address):
        await audit.record(pool, staff_id=None, action="login.throttled", client_address=address)
        return render(
            request, "login.html", status=429, email=email, error="login.throttled", notice=""
        )

    account = await staff_store.find_login(pool, email) if email else None
    if account is None:
        await request.config_dict[DECOY_HASH].verify(password)
        accepted = False
    else:
        accepted = await verify_password(account.password_hash, password)
        accepted = accepted and not account.disabled

    if not accepted or account is None:
        await throttle.record_failure(email, address)
        await audit.record(
            pool,
            staff_id=account.id if account else None,
            action="login.failed",
            client_address=address,
        )
        return render(request, "login.html", email=email, error="login.failed", notice="")

    if needs_rehash(account.password_hash):
        await staff_store.rehash(pool, account.id, await hash_password(password))
        log.info("password rehashed with current parameters", extra={"staff_id": account.id})
    if await staff_store.totp_enrolled(pool, account.id):
        # The password alone signs nobody in: this same pre-login session must now give
        # a code; the failures so far still count until it does.
        pre_login = request[SESSION]
        assert pre_login is not None  # the CSRF check lets no form through without one
        await staff_store.code_step_begin(pool, pre_login.token_hash, account.id, CODE_STEP_TIME)
        return see_other(CODE_PATH)
    return await finish_sign_in(request, account)


async def finish_sign_in(
    request: web.Request, account: StaffLogin, **details: Any
) -> web.StreamResponse:
    """Every factor was right: the failures are forgotten and a new session replaces
    the pre-login one."""
    await request.config_dict[THROTTLE].clear_account(account.email)
    await staff_store.record_login(request.config_dict[POOL], account.id)
    store = request.config_dict[SESSIONS]
    old = request[SESSION]
    if old is not None:
        await store.end(old.token_hash)
    staff = Staff(account.id, account.email, account.display_name, account.role)
    token, session = await store.create(staff)
    request[SESSION] = session
    await record_action(request, "login.succeeded", **details)
    log.info("staff signed in", extra={"staff_id": staff.id})
    response = see_other(DASHBOARD_PATH)
    store.set_cookie(response, token)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    session = request[SESSION]
    store = request.config_dict[SESSIONS]
    if session is not None:
        if session.staff is not None:
            await record_action(request, "logout")
        await store.end(session.token_hash)
    response = see_other(LOGIN_PATH + "?bye=1")
    store.clear_cookie(response)
    return response
