"""The alert pages: the list, composing a draft from a category's template, the alert
page with its texts per language and its voice message, and what the page asks while
staff type (the audience as sectors change, an SMS text's size).

Every change goes through ``ivr.storage.alerts`` (the same rules and audit as the
command line); roles: operators and above draft and edit, everyone signed in reads."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import secrets
import shutil
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.web_request import FileField

from ivr.alerts.launching import recordings_dir
from ivr.channels.email.messages import Sending, build_email
from ivr.channels.voice.audio import AudioError, convert_for_phone, speak
from ivr.channels.voice.message_audio import recording_path
from ivr.config import Settings
from ivr.domain.alerts import (
    CATEGORIES,
    DEFAULT_URGENCY,
    DRAFTER_ROLES,
    URGENCIES,
    Category,
    Content,
    Language,
    Urgency,
)
from ivr.domain.errors import DomainError
from ivr.domain.sms_text import analyze
from ivr.storage import alerts as alert_store
from ivr.storage import email as email_store
from ivr.storage import reports, staff_line
from ivr.storage.drafts import draft_from_template
from ivr.storage.sectors import load_sectors
from ivr.storage.templates import TemplateLanguage
from ivr.web.admin.auth import require_role, require_staff, see_other
from ivr.web.admin.render import render
from ivr.web.admin.texts import TEXT
from ivr.web.i18n import translator
from ivr.web.keys import LANGUAGE, POOL, SETTINGS

TEXT_LANGUAGES: tuple[TemplateLanguage, ...] = ("fr", "en")
VOICE_LANGUAGES: tuple[Language, ...] = ("fr", "en", "innu")
MAX_RECORDING_BYTES = 20 * 1024 * 1024
L = TypeVar("L", bound=str)


def alert_id_of(request: web.Request) -> int:
    try:
        return int(request.match_info["alert_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def list_page(request: web.Request) -> web.StreamResponse:
    require_staff(request)
    recent = await reports.recent_alerts(request.config_dict[POOL])
    return render(request, "alerts.html", alerts=recent)


async def new_form(request: web.Request) -> web.StreamResponse:
    """The compose form, from the template of ``?category=`` when given."""
    require_role(request, DRAFTER_ROLES)
    return await _compose_page(request, _compose_values(dict(request.query)))


async def create(request: web.Request) -> web.StreamResponse:
    _, staff = require_role(request, DRAFTER_ROLES)
    form = await request.post()
    values = _compose_values({k: str(v) for k, v in form.items() if k != "sector"})
    values["sectors"] = [str(v) for v in form.getall("sector", [])]
    pool = request.config_dict[POOL]
    if "count" in form:  # the "count" button, for pages without JavaScript
        try:
            audience = await _audience(request, staff.id, values)
        except DomainError as error:
            return await _compose_page(request, values, error=error.in_language(request[LANGUAGE]),
                                       status=400)  # fmt: skip
        return await _compose_page(request, values, audience=audience)
    try:
        category = _category(values["category"])
        known = {s.code: s for s in await load_sectors(pool)}
        codes = [] if values["target"] == "all" else values["sectors"]
        chosen = [known[c] for c in codes if c in known]
        async with pool.acquire() as conn, conn.transaction():
            alert_id = await draft_from_template(
                conn,
                title=values["title"] or request_text(request, "category." + category),
                category=category,
                urgency=_urgency(values["urgency"]),
                drafted_by=staff.id,
                sectors=chosen,
                target_all=values["target"] == "all",
                details=values["details"],
            )
    except DomainError as error:
        return await _compose_page(
            request, values, error=error.in_language(request[LANGUAGE]), status=400
        )
    return see_other(f"/admin/alerts/{alert_id}")


async def alert_page(
    request: web.Request,
    *,
    notice: str = "",
    notice_text: str = "",
    error: str = "",
    status: int = 200,
) -> web.Response:
    """The alert's page; ``notice`` is a text key, ``notice_text`` a text as is."""
    require_staff(request)
    pool = request.config_dict[POOL]
    settings: Settings = request.config_dict[SETTINGS]
    alert_id = alert_id_of(request)
    try:
        alert = await alert_store.get_alert(pool, alert_id)
    except DomainError:
        raise web.HTTPNotFound() from None
    contents = await alert_store.get_contents(pool, alert_id)
    sectors = {s.code: s for s in await load_sectors(pool)}
    audience = None
    if alert.state in ("draft", "approved"):
        audience = await reports.audience_count(pool, alert_id, settings.channels)
    counts = await reports.live_counts(pool, alert_id)
    sms = {lang: analyze(c.sms_text) for lang, c in contents.items() if c.sms_text}
    return render(
        request,
        "alert.html",
        status=status,
        alert=alert,
        contents=contents,
        sectors=[sectors[c] for c in alert.sector_codes if c in sectors],
        audience=audience,
        counts=counts,
        sms=sms,
        languages=TEXT_LANGUAGES,
        notice=notice,
        notice_text=notice_text,
        error=error,
        channels=settings.channels,
        summary=await reports.alert_summary(pool, alert.id),
        phone_recordings=await staff_line.recordings(pool, alert.id),
    )


async def show(request: web.Request) -> web.StreamResponse:
    return await alert_page(request, notice=request.query.get("done", "")[:40])


async def save_contents(request: web.Request) -> web.StreamResponse:
    require_role(request, DRAFTER_ROLES)
    alert_id = alert_id_of(request)
    language = _language(request, TEXT_LANGUAGES)
    form = await request.post()
    pool = request.config_dict[POOL]

    def field(name: str) -> str | None:
        value = str(form.get(name, "")).replace("\r\n", "\n").strip()
        return value or None

    try:
        current = (await alert_store.get_contents(pool, alert_id)).get(language)
        content = Content(
            language,
            field("sms_text"),
            field("email_subject"),
            field("email_body"),
            current.voice_recording if current else None,
            field("voice_text"),
        )
        async with pool.acquire() as conn:
            await alert_store.set_content(conn, alert_id, content)
    except DomainError as error:
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=400)
    return see_other(f"/admin/alerts/{alert_id}?done=alert.saved#content-{language}")


async def upload_recording(request: web.Request) -> web.StreamResponse:
    """A staff recording for one language (Innu-aimun included), in any common audio
    format: kept as uploaded; converted for the phone at launch (nothing is dialed
    without it)."""
    require_role(request, DRAFTER_ROLES)
    alert_id = alert_id_of(request)
    language = _language(request, VOICE_LANGUAGES)
    settings: Settings = request.config_dict[SETTINGS]
    upload = (await request.post()).get("recording")
    if not isinstance(upload, FileField):
        return await alert_page(request, error=request_text(request, "alert.recording_hint"),
                                status=400)  # fmt: skip
    upload.file.seek(0, 2)
    size = upload.file.tell()
    if not 0 < size <= MAX_RECORDING_BYTES:
        return await alert_page(request, error=request_text(request, "alert.recording_hint"),
                                status=400 if size == 0 else 413)  # fmt: skip
    upload.file.seek(0)
    suffix = Path(upload.filename or "").suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ".audio"
    directory = recordings_dir(settings) / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    saved = directory / f"alert-{alert_id}-{language}-{secrets.token_hex(4)}{suffix}"
    with saved.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    pool = request.config_dict[POOL]
    try:
        current = (await alert_store.get_contents(pool, alert_id)).get(language)
        content = dataclasses.replace(
            current or Content(language), voice_recording=f"uploads/{saved.name}"
        )
        async with pool.acquire() as conn:
            await alert_store.set_content(conn, alert_id, content)
    except DomainError as error:
        saved.unlink(missing_ok=True)
        return await alert_page(request, error=error.in_language(request[LANGUAGE]), status=400)
    return see_other(f"/admin/alerts/{alert_id}?done=alert.saved#content-{language}")


async def audio(request: web.Request) -> web.StreamResponse:
    """The voice message as the phone will play it: the recording converted, or the
    text spoken (made now, into a temporary file)."""
    require_staff(request)
    alert_id = alert_id_of(request)
    language = _language(request, VOICE_LANGUAGES)
    settings: Settings = request.config_dict[SETTINGS]
    contents = await alert_store.get_contents(request.config_dict[POOL], alert_id)
    content = contents.get(language)
    if content is None or not content.has("voice"):
        raise web.HTTPNotFound()
    preview_dir = settings.data_dir / "previews"
    preview_dir.mkdir(parents=True, exist_ok=True)
    target = preview_dir / f"alert-{alert_id}-{language}-{secrets.token_hex(4)}.wav"
    try:
        if content.voice_recording:
            source = recording_path(recordings_dir(settings), content.voice_recording)
            await convert_for_phone(source, target)
        else:
            await speak(content.voice_text or "", language, target)
        body = target.read_bytes()
    except AudioError as error:
        raise web.HTTPUnprocessableEntity(text=str(error)) from None
    finally:
        target.unlink(missing_ok=True)
    return web.Response(body=body, content_type="audio/wav")


async def phone_recording(request: web.Request) -> web.StreamResponse:
    """A message recorded on the staff line, as it was kept (trimmed, level set): to
    listen to on the page, or to download."""
    require_staff(request)
    alert_id = alert_id_of(request)
    settings: Settings = request.config_dict[SETTINGS]
    relative = await staff_line.recording_file(
        request.config_dict[POOL], alert_id, int(request.match_info["recording_id"])
    )
    if relative is None:
        raise web.HTTPNotFound()
    try:
        path = recording_path(recordings_dir(settings), relative)
    except AudioError:
        raise web.HTTPNotFound() from None
    if not path.is_file():
        raise web.HTTPNotFound()
    name = f"alerte-{alert_id}-{path.name}"
    disposition = "attachment" if "download" in request.query else "inline"
    headers = {"Content-Type": "audio/wav",
               "Content-Disposition": f'{disposition}; filename="{name}"'}  # fmt: skip
    return web.FileResponse(path, headers=headers)


async def email_preview(request: web.Request) -> web.StreamResponse:
    """The HTML email as residents will see it (served alone, its inline styles allowed
    by this response's policy and nothing else)."""
    require_staff(request)
    alert_id = alert_id_of(request)
    language = _language(request, TEXT_LANGUAGES)
    pool = request.config_dict[POOL]
    settings: Settings = request.config_dict[SETTINGS]
    alert = await email_store.alert_email(pool, alert_id)
    if alert is None or not alert.contents:
        raise web.HTTPNotFound()
    sending = Sending(
        sender=settings.smtp_from, bounce_address="bounces@invalid",
        site_url=settings.site_url, secret_key=settings.secret_key or "preview",
        office_phone=settings.office_phone,
    )  # fmt: skip
    built = build_email(sending, alert, language=language, recipient="resident@example.invalid",
                        reference=f"preview-{alert_id}", contact_point_id=0)  # fmt: skip
    message = email.message_from_bytes(built.data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    assert html is not None
    response = web.Response(text=html.get_content(), content_type="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
        "form-action 'none'; base-uri 'none'"
    )
    return response


async def audience(request: web.Request) -> web.StreamResponse:
    """The audience of the compose form's choices, as JSON (the page asks as sectors
    change)."""
    _, staff = require_role(request, DRAFTER_ROLES)
    values = _compose_values(dict(request.query))
    values["sectors"] = request.query.getall("sector", [])
    try:
        counted = await _audience(request, staff.id, values)
    except DomainError as error:
        return web.json_response({"error": error.in_language(request[LANGUAGE])}, status=400)
    return web.json_response({**counted, "text": request_text(request, "compose.audience_counts",
                                                              **counted)})  # fmt: skip


async def sms_info(request: web.Request) -> web.StreamResponse:
    """An SMS text's encoding, size and parts (the rules of ``ivr.domain.sms_text``)."""
    require_staff(request)
    text = request.query.get("text", "")[:5000]
    info = analyze(text)
    encoding = "GSM-7" if info.encoding == "gsm7" else "UCS-2"
    counted = {"units": info.units, "parts": info.segments, "encoding": encoding}
    return web.json_response({**counted, "text": request_text(request, "alert.sms_count",
                                                              **counted)})  # fmt: skip


def request_text(request: web.Request, key: str, **values: Any) -> str:
    return translator(TEXT, request[LANGUAGE])(key, **values)


def _language(request: web.Request, allowed: tuple[L, ...]) -> L:
    for language in allowed:
        if request.match_info["language"] == language:
            return language
    raise web.HTTPNotFound()


def _category(value: str) -> Category:
    for category in CATEGORIES:
        if value == category:
            return category
    raise DomainError("Choisissez un modèle.", "Choose a template.")


def _urgency(value: str) -> Urgency:
    for urgency in URGENCIES:
        if value == urgency:
            return urgency
    return "normal"


def _compose_values(raw: dict[str, str]) -> dict[str, Any]:
    asked = raw.get("category", "")
    category: Category = next((c for c in CATEGORIES if c == asked), "boil_water")
    return {
        "category": category,
        "urgency": raw.get("urgency") or DEFAULT_URGENCY[category],
        "title": raw.get("title", "").strip()[:200],
        "target": "all" if raw.get("target") == "all" else "sectors",
        "sectors": [],
        "details": raw.get("details", "").strip()[:1000],
    }


async def _audience(request: web.Request, staff_id: int, values: dict[str, Any]) -> dict[str, int]:
    settings: Settings = request.config_dict[SETTINGS]
    async with request.config_dict[POOL].acquire() as conn:
        counted = await reports.audience_for_target(
            conn,
            staff_id=staff_id,
            category=_category(values["category"]),
            sector_codes=values["sectors"],
            target_all=values["target"] == "all",
            in_service=settings.channels,
        )
    return {
        "people": counted.people,
        "voice": counted.by_channel["voice"],
        "sms": counted.by_channel["sms"],
        "email": counted.by_channel["email"],
        "without": counted.without_contact,
    }


async def _compose_page(
    request: web.Request,
    values: dict[str, Any],
    *,
    audience: dict[str, int] | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    sectors = await load_sectors(request.config_dict[POOL])
    return render(
        request,
        "alert_new.html",
        status=status,
        values=values,
        sectors=sectors,
        categories=CATEGORIES,
        urgencies=URGENCIES,
        audience=audience,
        error=error,
    )
