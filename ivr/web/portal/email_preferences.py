"""The page an alert email links to (its footer and its ``List-Unsubscribe`` header):
what this one address receives by email, opened by a signed link with no sign-in.

Looking never changes anything (mail scanners open links); a POST does. A POST whose
body is ``List-Unsubscribe=One-Click`` (RFC 8058, sent by the mail client's
"unsubscribe" button) stops exercises only: emergency alerts stay on unless the person
chooses "none" on the page, as a warning system must. The link is the credential, so
no CSRF token is needed: a forged form would have to know the link."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ivr.config import Settings
from ivr.domain.signed_links import contact_of_token
from ivr.storage import email as email_store
from ivr.storage.email import Preferences
from ivr.web.i18n import COOKIE, LANGUAGES, pick_language, translator
from ivr.web.keys import POOL, SETTINGS
from ivr.web.portal.texts import TEXT

CHOICES = {"all": (True, True), "emergencies": (False, True), "none": (False, False)}
"""Choice → (exercises, emergencies)."""
ONE_CLICK = "List-Unsubscribe=One-Click"


async def show(request: web.Request) -> web.StreamResponse:
    contact = _contact(request)
    prefs = await _preferences(request, contact)
    return _page(request, prefs)


async def change(request: web.Request) -> web.StreamResponse:
    contact = _contact(request)
    prefs = await _preferences(request, contact)
    form = await request.post()
    if form.get("List-Unsubscribe") == "One-Click" and "choice" not in form:
        exercises, emergencies, notice = False, prefs.emergencies, "prefs.one_click"
    elif (choice := form.get("choice")) in CHOICES:
        (exercises, emergencies), notice = CHOICES[str(choice)], "prefs.saved"
    else:
        return _page(request, prefs, error="choice.invalid", status=400)
    async with request.config_dict[POOL].acquire() as conn, conn.transaction():
        await email_store.set_preferences(
            conn, contact, exercises=exercises, emergencies=emergencies
        )
    saved = Preferences(prefs.email, prefs.invalid, exercises, emergencies)
    return _page(request, saved, notice=notice)


def _contact(request: web.Request) -> int:
    settings: Settings = request.config_dict[SETTINGS]
    contact = contact_of_token(settings.secret_key, request.match_info["token"])
    if contact is None or not settings.secret_key:
        raise _invalid(request)
    return contact


async def _preferences(request: web.Request, contact: int) -> Preferences:
    prefs = await email_store.preferences(request.config_dict[POOL], contact)
    if prefs is None:
        raise _invalid(request)
    return prefs


def _language(request: web.Request) -> str:
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked
    return pick_language(request.cookies.get(COOKIE))


def _render(request: web.Request, template: str, status: int, **context: Any) -> web.Response:
    language = _language(request)
    context.update(
        t=translator(TEXT, language), lang=language, other_lang="en" if language == "fr" else "fr"
    )
    response: web.Response = aiohttp_jinja2.render_template(
        template, request, context, status=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    request: web.Request,
    prefs: Preferences,
    *,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> web.Response:
    choice = "all" if prefs.exercises else "emergencies" if prefs.emergencies else "none"
    return _render(
        request,
        "email_preferences.html",
        status,
        address=_masked(prefs.email),
        invalid=prefs.invalid,
        choice=choice,
        notice=notice,
        error=error,
        action=request.path,
    )


def _invalid(request: web.Request) -> web.HTTPException:
    response = _render(request, "invalid_link.html", 404)
    return web.HTTPNotFound(text=response.text, content_type="text/html")


def _masked(address: str) -> str:
    """Enough to recognise one's own address, not to learn someone else's from a
    forwarded link: ``m•••e@exemple.ca``."""
    local, _, domain = address.partition("@")
    shown = local[0] + "•••" + local[-1] if len(local) > 2 else local[0] + "•••"
    return f"{shown}@{domain}"
