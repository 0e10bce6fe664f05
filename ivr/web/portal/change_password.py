"""Changing the password while signed in: the current one first (a session left open
on a shared computer is not enough), failures counted like sign-in failures; then the
same as a reset: every session ends, a text message tells the number, sign in again."""

from __future__ import annotations

import logging

from aiohttp import web

from ivr.accounts.passwords import verify_password
from ivr.accounts.residents import save_password
from ivr.domain.errors import DomainError
from ivr.storage import resident_accounts
from ivr.web.client import client_address
from ivr.web.keys import POOL
from ivr.web.portal.contacts import SIGN_IN_PATH, account_id
from ivr.web.portal.keys import SESSIONS, THROTTLE
from ivr.web.portal.render import language, render, see_other
from ivr.web.portal.sessions import SESSION

log = logging.getLogger(__name__)

MAX_PASSWORD_LENGTH = 300
TEMPLATE = "change_password.html"


async def form(request: web.Request) -> web.StreamResponse:
    account_id(request)
    return render(request, TEMPLATE, error="", error_field="")


async def change(request: web.Request) -> web.StreamResponse:
    account_id(request)
    session = request[SESSION]
    assert session is not None and session.phone_e164 is not None
    posted = await request.post()
    current = str(posted.get("current", ""))[:MAX_PASSWORD_LENGTH]
    new = str(posted.get("new", ""))[:MAX_PASSWORD_LENGTH]
    pool = request.config_dict[POOL]
    throttle = request.config_dict[THROTTLE]
    address = client_address(request)
    if await throttle.is_blocked(session.phone_e164, address):
        return render(request, TEMPLATE, status=429, error="sign_in.throttled",
                      error_field="current")  # fmt: skip
    login = await resident_accounts.find(pool, session.phone_e164)
    if login is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    if not await verify_password(login.password_hash, current):
        await throttle.record_failure(session.phone_e164, address)
        return render(request, TEMPLATE, status=400, error="delete.wrong_password",
                      error_field="current")  # fmt: skip
    try:
        await save_password(pool, session.phone_e164, new)
    except DomainError as error:
        return render(request, TEMPLATE, status=400, error_text=error.in_language(
            language(request)), error="", error_field="new")  # fmt: skip
    log.info("resident changed their password", extra={"account_id": login.id})
    response = see_other(SIGN_IN_PATH + "?changed=1")
    request.config_dict[SESSIONS].clear_cookie(response)
    return response
