"""What staff do with an alert from its page: approve (the two-person rule of
``IVR_TWO_PERSON_RULE``), launch now or at a set time, cancel, start a follow-up or the
all clear for the same people, and test sends to themselves. Each goes through the same
functions as the command line, with the same checks and audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from ivr.alerts.launching import cancel_alert, launch_alert
from ivr.alerts.test_call import start_test_call
from ivr.channels.email.test_email import send_alert_test_email
from ivr.channels.voice.audio import AudioError
from ivr.config import Settings
from ivr.domain.alerts import APPROVER_ROLES, DRAFTER_ROLES, Category, Content, two_person_rule
from ivr.domain.errors import DomainError
from ivr.domain.templates import render as render_template
from ivr.storage import alerts as alert_store
from ivr.storage import templates as template_store
from ivr.storage.sectors import load_sectors
from ivr.storage.templates import TemplateLanguage
from ivr.web.admin.alert_pages import TEXT_LANGUAGES, alert_id_of, alert_page, request_text
from ivr.web.admin.auth import require_role, see_other
from ivr.web.admin.keys import SHARED
from ivr.web.admin.render import DISPLAY_ZONE
from ivr.web.keys import LANGUAGE, POOL, SETTINGS

LATEST_LAUNCH = timedelta(days=7)
"""A launch further ahead is more likely a typo than a plan."""


async def approve(request: web.Request) -> web.StreamResponse:
    _, staff = require_role(request, APPROVER_ROLES)
    alert_id = alert_id_of(request)
    settings: Settings = request.config_dict[SETTINGS]
    try:
        async with request.config_dict[POOL].acquire() as conn:
            rule = two_person_rule(settings.two_person_rule)
            approval = await alert_store.approve(conn, alert_id, staff.id, rule)
    except DomainError as error:
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=409)
    request.config_dict[SHARED].clear()
    done = "alert.self_approved" if approval.self_approved else "alert.approved"
    return see_other(f"/admin/alerts/{alert_id}?done={done}")


async def launch(request: web.Request) -> web.StreamResponse:
    _, staff = require_role(request, APPROVER_ROLES)
    alert_id = alert_id_of(request)
    form = await request.post()
    at = None
    if form.get("when") == "at":
        try:
            at = _launch_time(str(form.get("at", "")))
        except DomainError as error:
            return await alert_page(request, error=error.in_language(request[LANGUAGE]),
                                    status=400)  # fmt: skip
    try:
        await launch_alert(
            request.config_dict[POOL], request.config_dict[SETTINGS], alert_id, staff.id, at
        )
    except DomainError as error:
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=409)
    except AudioError as error:
        return await alert_page(request, error=str(error), status=409)
    request.config_dict[SHARED].clear()
    return see_other(f"/admin/alerts/{alert_id}/report")


async def cancel(request: web.Request) -> web.StreamResponse:
    _, staff = require_role(request, APPROVER_ROLES)
    alert_id = alert_id_of(request)
    try:
        await cancel_alert(request.config_dict[POOL], alert_id, staff.id)
    except DomainError as error:
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=409)
    request.config_dict[SHARED].clear()
    return see_other(f"/admin/alerts/{alert_id}?done=state.cancelled")


async def follow_up(request: web.Request) -> web.StreamResponse:
    """A new draft to the people the alert reached: the all clear (or the category's own
    lifting, for a boil-water advisory) or a follow-up of the same category."""
    _, staff = require_role(request, DRAFTER_ROLES)
    alert_id = alert_id_of(request)
    form = await request.post()
    pool = request.config_dict[POOL]
    try:
        earlier = await alert_store.get_alert(pool, alert_id)
        category: Category = earlier.category
        if form.get("kind") == "all_clear":
            category = "boil_water_lifted" if category == "boil_water" else "all_clear"
        names = {s.code: s for s in await load_sectors(pool)}
        async with pool.acquire() as conn, conn.transaction():
            draft = await alert_store.create_alert(
                conn,
                title=f"{request_text(request, 'category.' + category)} — {earlier.title}",
                category=category,
                urgency=earlier.urgency,
                drafted_by=staff.id,
                follow_up_of=alert_id,
            )
            for language in TEXT_LANGUAGES:
                sectors = [
                    names[c].name_fr if language == "fr" else names[c].name_en
                    for c in earlier.sector_codes if c in names
                ]  # fmt: skip
                everyone = "toute la communauté" if language == "fr" else "the whole community"
                filled = render_template(
                    await template_store.get_template(conn, category, language),
                    sectors=", ".join(sectors) or everyone,
                )
                await alert_store.set_content(conn, draft, Content(
                    language, filled.sms_text, filled.email_subject, filled.email_body, None,
                    filled.voice_text,
                ))  # fmt: skip
    except DomainError as error:
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=409)
    return see_other(f"/admin/alerts/{draft}")


async def test_send(request: web.Request) -> web.StreamResponse:
    """The alert's email to the staff member's own address, and/or a test call to the
    number they give (their own)."""
    _, staff = require_role(request, DRAFTER_ROLES)
    alert_id = alert_id_of(request)
    form = await request.post()
    pool = request.config_dict[POOL]
    settings: Settings = request.config_dict[SETTINGS]
    language: TemplateLanguage = "en" if form.get("language") == "en" else "fr"
    results = []
    try:
        if form.get("email") and "email" in settings.channels:
            answer = await send_alert_test_email(
                pool, settings, staff.email, staff_id=staff.id, alert_id=alert_id,
                language=language,
            )  # fmt: skip
            results.append(f"{staff.email} — {answer}")
        number = str(form.get("number", "")).strip()
        if number:
            delivery = await start_test_call(pool, settings, number, staff.id, language)
            results.append(f"{number} — {request_text(request, 'state.sending')} ({delivery})")
    except DomainError as error:
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=400)
    text = request_text(request, "alert.test_sent", result="; ".join(results) or "—")
    return await alert_page(request, notice_text=text)


def _launch_time(raw: str) -> datetime:
    """A ``datetime-local`` value in Eastern time, in the future and within a week."""
    try:
        local = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(str(DISPLAY_ZONE)))
    except ValueError:
        raise DomainError("Heure d'envoi invalide.", "Invalid sending time.") from None
    now = datetime.now(local.tzinfo)
    if not now < local <= now + LATEST_LAUNCH:
        raise DomainError(
            "L'heure d'envoi doit être dans l'avenir, d'ici sept jours.",
            "The sending time must be in the future, within seven days.",
        )
    return local
