"""The contact form ("Mes coordonnées"): the signed-in resident's household, numbers,
addresses, channels in order, language and consents; saved in one go, with every field
in error shown at its place and the rest of what was typed kept."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from ivr.accounts import contact_form
from ivr.accounts.contact_form import MAX_OTHERS, MAX_PHONES, Fields, FormErrors
from ivr.domain.alerts import CHANNELS
from ivr.domain.phone import display_phone
from ivr.storage import resident_profile
from ivr.storage.resident_profile import Profile
from ivr.web.keys import POOL
from ivr.web.portal.render import language, render, see_other
from ivr.web.portal.sessions import SESSION

log = logging.getLogger(__name__)

CONTACTS_PATH = "/portal/contacts"
SIGN_IN_PATH = "/portal/sign-in"
BLANK_ROWS = 2
"""Empty rows offered for another member or number (more after saving)."""
MAX_FIELD_LENGTH = 300


def account_id(request: web.Request) -> int:
    """The signed-in account, or a redirect to sign-in."""
    session = request[SESSION]
    if session is None or session.account_id is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    return session.account_id


async def show(request: web.Request) -> web.StreamResponse:
    pool = request.config_dict[POOL]
    found = await contact_form.open_profile(pool, account_id(request))
    if found is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    streets = await resident_profile.streets(pool)
    return render(request, "contacts.html", **_page(found, streets, saved="saved" in request.query))


async def save(request: web.Request) -> web.StreamResponse:
    pool = request.config_dict[POOL]
    found = await contact_form.open_profile(pool, account_id(request))
    if found is None:
        raise web.HTTPSeeOther(SIGN_IN_PATH)
    posted = await request.post()
    fields = Fields(
        {k: [str(v)[:MAX_FIELD_LENGTH] for v in posted.getall(k)] for k in set(posted.keys())}
    )
    streets = await resident_profile.streets(pool)
    form, errors = contact_form.read_form(fields, found.account, streets)
    if form is None:
        context = _page(found, streets, saved=False)
        context.update(_typed(fields, found), errors=_messages(errors, language(request)))
        return render(request, "contacts.html", status=400, **context)
    changes = await contact_form.save(pool, found.account.id, form, streets)
    fields_changed = [c["field"] for c in changes]
    log.info("resident contact form saved",
             extra={"account_id": found.account.id, "fields": fields_changed})  # fmt: skip
    return see_other(CONTACTS_PATH + "?saved=1")


def _messages(errors: FormErrors, lang: str) -> dict[str, str]:
    return {name: error.in_language(lang) for name, error in errors.by_field.items()}


def _page(found: Profile, streets: Any, *, saved: bool) -> dict[str, Any]:
    """The page as the database has it."""
    holder, home = found.holder, found.home
    phones = [
        {
            "number": display_phone(p.e164),
            "use": p.use or _use_of(p.line_type),
            "voice": "voice" in p.channels,
            "sms": "sms" in p.channels,
        }
        for p in found.phones
        if p.e164 != found.account.phone_e164
    ]
    own = next((p for p in found.phones if p.e164 == found.account.phone_e164), None)
    own_row = {
        "number": display_phone(found.account.phone_e164),
        "use": (own.use or _use_of(own.line_type)) if own else "mobile",
        "voice": own is None or "voice" in own.channels,
        "sms": own is None or "sms" in own.channels,
    }
    return {
        "new": holder is None,
        "saved": saved,
        "errors": {},
        "streets": streets,
        "name": holder.name if holder else "",
        "language": holder.language if holder else "fr",
        "street": home.street_key if home else "",
        "civic_number": str(home.civic_number or "") if home else "",
        "unit": home.unit if home else "",
        "sector": (home.sector_fr, home.sector_en) if home and home.sector_fr else None,
        "others": _with_blanks(
            [{"id": str(p.id), "name": p.name, "language": p.language} for p in found.others],
            MAX_OTHERS,
            {"id": "", "name": "", "language": "fr"},
        ),
        "phones": [
            own_row,
            *_with_blanks(
                phones,
                MAX_PHONES - 1,
                {"number": "", "use": "mobile", "voice": False, "sms": False},
            ),
        ],
        "emails": found.emails,
        "waiting": found.waiting,
        "removed_emails": set(),
        "email_new": "",
        "order": [*found.channel_order, "", "", ""][:3],
        "channels": CHANNELS,
        "consents": found.consents,
    }


def _typed(fields: Fields, found: Profile) -> dict[str, Any]:
    """What was typed, for the page shown again with its errors."""
    others = [
        {
            "id": fields.one(f"member-{n}-id"),
            "name": fields.one(f"member-{n}-name"),
            "language": fields.one(f"member-{n}-language") or "fr",
        }
        for n in range(MAX_OTHERS)
        if fields.one(f"member-{n}-name") or fields.one(f"member-{n}-id")
    ]
    phones = [
        {
            "number": display_phone(found.account.phone_e164)
            if n == 0
            else fields.one(f"phone-{n}-number"),
            "use": fields.one(f"phone-{n}-use"),
            "voice": bool(fields.one(f"phone-{n}-voice")),
            "sms": bool(fields.one(f"phone-{n}-sms")),
        }
        for n in range(MAX_PHONES)
        if n == 0 or fields.one(f"phone-{n}-number")
    ]
    return {
        "name": fields.one("name"),
        "language": fields.one("language"),
        "street": fields.one("street"),
        "civic_number": fields.one("civic_number"),
        "unit": fields.one("unit"),
        "others": _with_blanks(others, MAX_OTHERS, {"id": "", "name": "", "language": "fr"}),
        "phones": [
            phones[0],
            *_with_blanks(
                phones[1:],
                MAX_PHONES - 1,
                {"number": "", "use": "mobile", "voice": False, "sms": False},
            ),
        ],
        "removed_emails": {v for v in fields.all("email_remove")},
        "email_new": fields.one("email_new"),
        "order": [fields.one(f"order-{n}") for n in (1, 2, 3)],
        "consents": set(fields.all("consent")),
    }


def _with_blanks(
    rows: list[dict[str, Any]], most: int, blank: dict[str, Any]
) -> list[dict[str, Any]]:
    return (rows + [dict(blank) for _ in range(BLANK_ROWS)])[: max(most, len(rows))]


def _use_of(line_type: str) -> str:
    return "landline" if line_type == "landline" else "mobile"
