"""The page an email-confirmation link opens: a button that puts the address in use
(ivr.accounts.email_links). Opening the link changes nothing; the POST does. The link
is the credential, like the email preferences page, so no session is needed."""

from __future__ import annotations

from aiohttp import web

from ivr.accounts import email_links
from ivr.domain.signed_links import verification_of_token
from ivr.storage import email_verifications
from ivr.web.keys import POOL, SETTINGS
from ivr.web.portal.render import render


def _verification(request: web.Request) -> int:
    found = verification_of_token(request.config_dict[SETTINGS].secret_key,
                                  request.match_info["token"])  # fmt: skip
    if found is None:
        raise web.HTTPNotFound()
    return found


async def show(request: web.Request) -> web.StreamResponse:
    verification_id = _verification(request)
    address = await email_verifications.address(request.config_dict[POOL], verification_id)
    if address is None:
        raise web.HTTPNotFound()
    return render(request, "verify_email.html", address=address, done=False, failed=False,
                  action=request.path)  # fmt: skip


async def confirm(request: web.Request) -> web.StreamResponse:
    verification_id = _verification(request)
    pool = request.config_dict[POOL]
    address = await email_links.confirm(pool, verification_id)
    shown = address or await email_verifications.address(pool, verification_id) or ""
    done = address is not None
    return render(request, "verify_email.html", status=200 if done else 410, address=shown,
                  done=done, failed=not done, action=request.path)  # fmt: skip
