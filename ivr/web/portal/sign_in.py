"""Residents' welcome page, sign-in, sign-out and account page.

Sign-in answers the same way, in about the same time, whether the number has no
account or the password is wrong (the decoy hash); failures are limited per number and
per client address, apart from the staff's. A successful sign-in replaces the pre-login
session by a new one (no session fixation).
"""

from __future__ import annotations

import logging

from aiohttp import web

from ivr.accounts.passwords import hash_password, needs_rehash, verify_password
from ivr.domain.errors import DomainError
from ivr.domain.phone import display_phone, parse_phone
from ivr.storage import resident_accounts
from ivr.web.client import client_address
from ivr.web.keys import DECOY_HASH, POOL
from ivr.web.portal.keys import SESSIONS, THROTTLE
from ivr.web.portal.proving import ACCOUNT_PATH, MAX_FIELD_LENGTH, WELCOME_PATH
from ivr.web.portal.render import form_page, render, see_other
from ivr.web.portal.sessions import SESSION

log = logging.getLogger(__name__)

SIGN_IN_PATH = "/portal/sign-in"
NOTICES = {
    "bye": "sign_in.signed_out",
    "changed": "sign_in.password_changed",
    "deleted": "welcome.deleted",
}


async def welcome(request: web.Request) -> web.StreamResponse:
    if _signed_in(request):
        raise web.HTTPSeeOther(ACCOUNT_PATH)
    return await form_page(request, "welcome.html", notice=_notice(request))


async def sign_in_form(request: web.Request) -> web.StreamResponse:
    if _signed_in(request):
        raise web.HTTPSeeOther(ACCOUNT_PATH)
    return await form_page(request, "sign_in.html", phone="", error="", notice=_notice(request))


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    typed = str(form.get("phone", ""))[:MAX_FIELD_LENGTH].strip()
    password = str(form.get("password", ""))[:MAX_FIELD_LENGTH]
    try:
        e164: str | None = parse_phone(typed).e164
    except DomainError:
        e164 = None
    who = e164 or typed
    address = client_address(request)
    pool = request.config_dict[POOL]
    throttle = request.config_dict[THROTTLE]
    if await throttle.is_blocked(who, address):
        log.warning("resident sign-in throttled")
        return render(request, "sign_in.html", status=429, phone=typed,
                      error="sign_in.throttled", notice="")  # fmt: skip

    account = await resident_accounts.find(pool, e164) if e164 else None
    if account is None:
        await request.config_dict[DECOY_HASH].verify(password)
        accepted = False
    else:
        accepted = await verify_password(account.password_hash, password)
    if account is None or not accepted:
        await throttle.record_failure(who, address)
        log.info("resident sign-in failed")
        return render(request, "sign_in.html", phone=typed, error="sign_in.failed", notice="")

    await throttle.clear_account(who)
    if needs_rehash(account.password_hash):
        await resident_accounts.rehash(pool, account.id, await hash_password(password))
    sessions = request.config_dict[SESSIONS]
    if (old := request[SESSION]) is not None:
        await sessions.end(old)
    token, _ = await sessions.create(account.id)
    log.info("resident signed in", extra={"account_id": account.id})
    response = see_other(ACCOUNT_PATH)
    sessions.set_cookie(response, token)
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    sessions = request.config_dict[SESSIONS]
    if (session := request[SESSION]) is not None:
        await sessions.end(session)
    response = see_other(WELCOME_PATH + "?bye=1")
    sessions.clear_cookie(response)
    return response


async def account(request: web.Request) -> web.StreamResponse:
    session = request[SESSION]
    if session is None or session.phone_e164 is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    return render(request, "account.html", phone=display_phone(session.phone_e164))


def _signed_in(request: web.Request) -> bool:
    session = request[SESSION]
    return session is not None and session.account_id is not None


def _notice(request: web.Request) -> str:
    return next((text for flag, text in NOTICES.items() if flag in request.query), "")
