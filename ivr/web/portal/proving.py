"""Proving a phone number to choose its password: sign-up and "forgot password" ask
for the number, a one-time code goes to it, and the code opens the password page.

Both start the same path; they differ in what the answers may tell. Sign-up issues a
code to any number. "Forgot password" issues one only to a number with an account, and
answers every number the same way, in the same time (``request_reset_code``; even a
refused hourly limit gets the same page). Once the code is accepted the holder of the
number may learn that it has an account. A password chosen signs in only when it
created the account; one that replaced a password (a reset, or a sign-up for a number
that already had an account) ends every session of the account and signs in nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ivr.accounts import residents
from ivr.accounts.one_time_codes import CodeKeys, TooManyCodes, check_code, issue_code
from ivr.domain.errors import DomainError
from ivr.domain.phone import display_phone, parse_phone
from ivr.storage import resident_accounts
from ivr.storage.resident_sessions import Flow
from ivr.web.client import client_address
from ivr.web.i18n import translator
from ivr.web.keys import POOL, SETTINGS
from ivr.web.portal.keys import CODE_KEYS, SESSIONS
from ivr.web.portal.render import form_page, language, render, see_other
from ivr.web.portal.sessions import SESSION, ResidentSession
from ivr.web.portal.texts import TEXT

log = logging.getLogger(__name__)

WELCOME_PATH = "/portal/"
CODE_PATH = "/portal/code"
PASSWORD_PATH = "/portal/password"  # noqa: S105 (a page, not a secret)
ACCOUNT_PATH = "/portal/account"
CHANGED_PATH = "/portal/sign-in?changed=1"
CHANNELS = ("sms", "voice")
"""Offered on the form; issued only when this process runs the channel (IVR_CHANNELS)."""
MAX_FIELD_LENGTH = 1024


async def sign_up_form(request: web.Request) -> web.StreamResponse:
    return await form_page(request, "sign_up.html", phone="", channel="sms", error="",
                           error_field="")  # fmt: skip


async def sign_up(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    typed = _field(form, "phone")
    channel = _field(form, "channel")
    channel = channel if channel in CHANNELS else "sms"
    page: dict[str, Any] = {"phone": typed, "channel": channel}
    try:
        e164 = parse_phone(typed).e164
    except DomainError as error:
        return _refused(request, "sign_up.html", error.in_language(language(request)), "phone",
                        **page)  # fmt: skip
    if channel not in request.config_dict[SETTINGS].channels:
        return _refused(request, "sign_up.html", _t(request, "code.voice_unavailable"), "channel",
                        **page)  # fmt: skip
    try:
        await issue_code(request.config_dict[POOL], _keys(request), phone=e164,
                         purpose="sign_up", channel=channel,
                         client_address=client_address(request))  # fmt: skip
    except TooManyCodes as error:
        return _refused(request, "sign_up.html", error.in_language(language(request)), "phone",
                        status=429, **page)  # fmt: skip
    await request.config_dict[SESSIONS].start_flow(_session(request), e164, "sign_up")
    return see_other(CODE_PATH)


async def forgot_form(request: web.Request) -> web.StreamResponse:
    return await form_page(request, "forgot.html", phone="", error="")


async def forgot(request: web.Request) -> web.StreamResponse:
    typed = _field(await request.post(), "phone")
    try:
        e164 = parse_phone(typed).e164
    except DomainError as error:
        return _refused(request, "forgot.html", error.in_language(language(request)), "phone",
                        phone=typed)  # fmt: skip
    try:
        await residents.request_reset_code(request.config_dict[POOL], _keys(request),
                                           phone_e164=e164,
                                           client_address=client_address(request))  # fmt: skip
    except TooManyCodes:
        log.info("reset code not issued: hourly limit; answered like the others")
    await request.config_dict[SESSIONS].start_flow(_session(request), e164, "reset")
    return see_other(CODE_PATH)


async def code_form(request: web.Request) -> web.StreamResponse:
    flow = _flow(request)
    return render(request, "code.html", error="", **_code_page(flow))


async def code(request: web.Request) -> web.StreamResponse:
    flow = _flow(request)
    typed = _field(await request.post(), "code")
    result = await check_code(request.config_dict[POOL], _keys(request), phone=flow.phone_e164,
                              purpose=flow.purpose, code=typed)  # fmt: skip
    if not result.accepted:
        return render(request, "code.html", status=400, error=_t(request, "code.refused"),
                      **_code_page(flow))  # fmt: skip
    # Proving the number is a privilege: a new session carries it (no fixation).
    sessions = request.config_dict[SESSIONS]
    await sessions.end(_session(request))
    token, _ = await sessions.create(proven=Flow(flow.phone_e164, flow.purpose, proven=True))
    response = see_other(PASSWORD_PATH)
    sessions.set_cookie(response, token)
    return response


async def password_form(request: web.Request) -> web.StreamResponse:
    flow = _proven(request)
    return render(request, "password.html", error="", **await _password_page(request, flow))


async def password(request: web.Request) -> web.StreamResponse:
    flow = _proven(request)
    chosen = _field(await request.post(), "password", strip=False)
    pool = request.config_dict[POOL]
    try:
        account_id, created = await residents.save_password(pool, flow.phone_e164, chosen)
    except DomainError as error:
        return render(request, "password.html", status=400,
                      error=error.in_language(language(request)),
                      **await _password_page(request, flow))  # fmt: skip
    sessions = request.config_dict[SESSIONS]
    await sessions.end(_session(request))
    if created and flow.purpose == "sign_up":
        token, _ = await sessions.create(account_id)
        log.info("resident account created", extra={"account_id": account_id})
        response = see_other(ACCOUNT_PATH)
        sessions.set_cookie(response, token)
        return response
    log.info("resident password changed", extra={"account_id": account_id})
    response = see_other(CHANGED_PATH)
    sessions.clear_cookie(response)
    return response


def _code_page(flow: Flow) -> dict[str, Any]:
    return {"phone": display_phone(flow.phone_e164), "purpose": flow.purpose}


async def _password_page(request: web.Request, flow: Flow) -> dict[str, Any]:
    existing = await resident_accounts.find(request.config_dict[POOL], flow.phone_e164)
    return {"phone": display_phone(flow.phone_e164), "existing": existing is not None}


def _refused(
    request: web.Request, template: str, error: str, field: str, *, status: int = 400,
    **page: Any,
) -> web.Response:  # fmt: skip
    """The form again, ``error`` shown at ``field``."""
    return render(request, template, status=status, error=error, error_field=field, **page)


def _session(request: web.Request) -> ResidentSession:
    session = request[SESSION]
    assert session is not None  # the CSRF check lets no form through without one
    return session


def _flow(request: web.Request) -> Flow:
    """The number being proven, or back to the welcome page (none, or expired)."""
    session = request[SESSION]
    if session is None or session.flow is None:
        raise web.HTTPSeeOther(WELCOME_PATH)
    return session.flow


def _proven(request: web.Request) -> Flow:
    flow = _flow(request)
    if not flow.proven:
        raise web.HTTPSeeOther(CODE_PATH)
    return flow


def _keys(request: web.Request) -> CodeKeys:
    keys = request.config_dict[CODE_KEYS]
    if keys is None:
        raise web.HTTPServiceUnavailable(text=_t(request, "codes.unavailable"))
    return keys


def _field(form: Mapping[str, object], name: str, *, strip: bool = True) -> str:
    value = form.get(name, "")
    text = value[:MAX_FIELD_LENGTH] if isinstance(value, str) else ""
    return text.strip() if strip else text


def _t(request: web.Request, key: str) -> str:
    return translator(TEXT, language(request))(key)
