""" "Mes données": the alerts received and how, the change history, the download of
everything kept (JSON), and deleting the account (password asked again)."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from ivr.accounts import contact_form, resident_data
from ivr.domain.errors import DomainError
from ivr.domain.phone import display_phone
from ivr.storage import resident_profile
from ivr.web.client import client_address
from ivr.web.keys import POOL
from ivr.web.portal.contacts import SIGN_IN_PATH, account_id
from ivr.web.portal.keys import SESSIONS
from ivr.web.portal.render import language, render, see_other
from ivr.web.portal.sessions import SESSION

log = logging.getLogger(__name__)

DELETED_PATH = "/portal/?deleted=1"
MAX_PASSWORD_LENGTH = 300


async def show(request: web.Request, *, error: str = "", status: int = 200) -> web.StreamResponse:
    pool = request.config_dict[POOL]
    found = await contact_form.open_profile(pool, account_id(request))
    if found is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    received = await resident_data.received(pool, found)
    rows = [
        {
            "title": r["title"],
            "when": r["launched_at"],
            "channel": r["channel"],
            "to": display_phone(r["phone_e164"]) if r["phone_e164"] else (r["email"] or ""),
            "outcome": r["last_outcome"] or r["state"],
        }
        for r in received
    ]
    history = await resident_profile.changes(pool, found.account.id)
    return render(request, "my_data.html", status=status, received=rows, history=history,
                  error=error)  # fmt: skip


async def download(request: web.Request) -> web.StreamResponse:
    pool = request.config_dict[POOL]
    found = await contact_form.open_profile(pool, account_id(request))
    if found is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    document = await resident_data.export(pool, found)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return web.Response(
        text=body,
        content_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="information-itum-mes-donnees.json"',
            "Cache-Control": "no-store",
        },
    )


async def delete(request: web.Request) -> web.StreamResponse:
    which = account_id(request)
    form = await request.post()
    password = str(form.get("password", ""))[:MAX_PASSWORD_LENGTH]
    if form.get("confirm") != "yes":
        return await show(request, error="delete.confirm_needed", status=400)
    try:
        await resident_data.delete_account(request.config_dict[POOL], which, password,
                                           client_address=client_address(request))  # fmt: skip
    except DomainError:
        return await show(request, error="delete.wrong_password", status=400)
    sessions = request.config_dict[SESSIONS]
    if (session := request[SESSION]) is not None:
        await sessions.end(session)
    response = see_other(DELETED_PATH + ("&lang=en" if language(request) == "en" else ""))
    sessions.clear_cookie(response)
    return response
