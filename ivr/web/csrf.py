"""CSRF protection for every unsafe request (POST, PUT, PATCH, DELETE).

Two independent checks, both required:

1. the request comes from this site: ``Origin`` (or, when a browser leaves it out,
   ``Referer``) names this host, with https when the site is served over https;
2. the synchronizer token of the session is sent back, in the form field
   ``csrf_token`` or the ``X-CSRF-Token`` header, compared in constant time.

Each site's session middleware runs first and puts its session's token in
``request[CSRF_TOKEN]`` (None without a session). The session cookie is also
SameSite=Strict, a third layer in current browsers.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from ivr.web.keys import CSRF_TOKEN, SETTINGS

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfRejected(web.HTTPForbidden):
    """The request failed the CSRF checks; the admin pages render it as a page."""


def comes_from_this_site(request: web.Request) -> bool:
    source = request.headers.get("Origin")
    if source is None:
        source = request.headers.get("Referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    https = request.config_dict[SETTINGS].web_https
    expected_scheme = "https" if https else request.scheme
    return parts.scheme == expected_scheme and parts.netloc.lower() == request.host.lower()


async def sent_token(request: web.Request) -> str:
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        value = (await request.post()).get(FORM_FIELD)
        if isinstance(value, str):
            return value
    return ""


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in UNSAFE_METHODS:
        if not comes_from_this_site(request):
            log.warning("csrf: foreign or missing origin", extra={"path": request.path})
            raise CsrfRejected()
        expected = request.get(CSRF_TOKEN)
        token = await sent_token(request)
        if expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
            log.warning("csrf: token missing or wrong", extra={"path": request.path})
            raise CsrfRejected()
    return await handler(request)
