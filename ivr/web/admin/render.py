"""Render an admin page with what every page needs: text, language, session, CSRF token."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ivr.web.admin.keys import SESSION
from ivr.web.admin.texts import TEXT, action_label
from ivr.web.i18n import translator
from ivr.web.keys import LANGUAGE, SETTINGS

TEMPLATES = Path(__file__).parent / "templates"
DISPLAY_ZONE = ZoneInfo("America/Toronto")  # Eastern time, as in Uashat mak Mani-utenam


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M")


def setup_templates(app: web.Application) -> None:
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
        filters={"local_time": local_time},
    )


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    session = request.get(SESSION)
    language = request.get(LANGUAGE, "fr")
    context.update(
        t=translator(TEXT, language),
        action_label=partial(action_label, language),
        lang=language,
        other_lang="en" if language == "fr" else "fr",
        path=request.path,
        staff=session.staff if session else None,
        csrf_token=session.csrf_token if session else "",
        map_tiles=request.config_dict[SETTINGS].map_tiles_url,
        map_tiles_attribution=request.config_dict[SETTINGS].map_tiles_attribution,
    )
    response: web.Response = aiohttp_jinja2.render_template(
        template, request, context, status=status
    )
    return response
