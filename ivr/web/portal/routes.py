"""The residents' site, mounted under ``/portal/``."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ivr.web.portal import email_preferences

TEMPLATES = Path(__file__).parent / "templates"
SIGNED_LINK = r"{token:[0-9]{1,19}\.[A-Za-z0-9_-]{22}}"


def portal_app() -> web.Application:
    portal = web.Application()
    aiohttp_jinja2.setup(
        portal,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
    )
    portal.router.add_get("/email/" + SIGNED_LINK, email_preferences.show)
    portal.router.add_post("/email/" + SIGNED_LINK, email_preferences.change)
    return portal
