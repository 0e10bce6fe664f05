"""Refusals shown as pages in the staff's language, not as bare status lines."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from ivr.web.admin.auth import AdminOnly
from ivr.web.admin.render import render
from ivr.web.csrf import CsrfRejected


@web.middleware
async def error_pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CsrfRejected:
        return render(request, "error.html", status=403, message="error.csrf")
    except AdminOnly:
        return render(request, "error.html", status=403, message="error.forbidden")
