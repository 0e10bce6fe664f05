"""Render a portal page with what every account page needs: its language (a
``?lang=`` link remembers the choice in the language cookie, so the forms that follow
keep it), its session's CSRF token, and no caching."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ivr.web.i18n import COOKIE, LANGUAGES, pick_language, translator
from ivr.web.portal.keys import SESSIONS
from ivr.web.portal.sessions import SESSION
from ivr.web.portal.texts import TEXT

LANGUAGE_MAX_AGE = 365 * 86400


def language(request: web.Request) -> str:
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked
    return pick_language(request.cookies.get(COOKIE))


def see_other(location: str) -> web.Response:
    """A 303 redirect that can carry cookies (unlike a raised HTTPException)."""
    return web.Response(status=303, headers={"Location": location})


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    session = request.get(SESSION)
    lang = language(request)
    context.update(
        t=translator(TEXT, lang),
        lang=lang,
        other_lang="en" if lang == "fr" else "fr",
        csrf_token=session.csrf_token if session else "",
    )
    response: web.Response = aiohttp_jinja2.render_template(
        template, request, context, status=status
    )
    response.headers["Cache-Control"] = "no-store"
    if request.query.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, lang, path="/", max_age=LANGUAGE_MAX_AGE, httponly=True,
                            samesite="Lax")  # fmt: skip
    return response


async def form_page(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """``render``, first opening a pre-login session if there is none: every form sends
    back its session's CSRF token."""
    if request[SESSION] is not None:
        return render(request, template, status=status, **context)
    sessions = request.config_dict[SESSIONS]
    token, request[SESSION] = await sessions.create()
    response = render(request, template, status=status, **context)
    sessions.set_cookie(response, token)
    return response
