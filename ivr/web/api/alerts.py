"""Alerts through the JSON API: list, draft, edit, preview, approve, launch, cancel, follow.

Each handler checks its token (ivr.web.api.auth), then calls the same storage and
services as the command line and the admin pages, so the same rules apply. A refusal
by those rules (DomainError) is a 422 when the values are refused, a 409 when the
alert's state, its contents or the two-person rule refuse the action; an unknown alert
is a 404.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

from aiohttp import web

from ivr.alerts.launching import cancel_alert, launch_alert
from ivr.channels.voice.audio import AudioError
from ivr.domain.alerts import CHANNELS, Content, Language, check_transition, two_person_rule
from ivr.domain.errors import DomainError, shown
from ivr.storage import alerts
from ivr.storage.alert_list import recent_alerts
from ivr.storage.audience import preview
from ivr.web.api.auth import authorize, record_write
from ivr.web.api.body import read_json
from ivr.web.api.errors import ApiError
from ivr.web.api.openapi import CONTENT_FIELDS, DEFAULT_LIST, MAX_ID, MAX_LIST
from ivr.web.keys import POOL, SETTINGS

log = logging.getLogger(__name__)


async def list_alerts(request: web.Request) -> web.StreamResponse:
    await authorize(request, "alerts:read")
    limit = _limit(request)
    listed = await recent_alerts(request.config_dict[POOL], limit)
    states = ("pending", "in_progress", "done", "failed", "cancelled")
    items = []
    for alert in listed:
        fields = asdict(alert)
        counts = {state: fields.pop(state) for state in states}
        items.append({**fields, "deliveries": {**counts, "total": sum(counts.values())}})
    return _json({"alerts": items})


async def create_alert(request: web.Request) -> web.StreamResponse:
    holder = await authorize(request, "alerts:write")
    values = await read_json(request, "NewAlert")
    contents = values.get("contents", {})
    scheduled = values.get("scheduled_at")
    async with request.config_dict[POOL].acquire() as conn, conn.transaction():
        try:
            alert_id = await alerts.create_alert(
                conn,
                title=values["title"],
                category=values["category"],
                urgency=values["urgency"],
                drafted_by=holder.staff_id,
                sector_codes=values.get("sector_codes", ()),
                target_all=values.get("target_all", False),
                follow_up_of=values.get("follow_up_of"),
                scheduled_at=None if scheduled is None else datetime.fromisoformat(scheduled),
            )
            for language, fields in contents.items():
                await alerts.set_content(conn, alert_id, _content(language, fields, None))
        except DomainError as error:
            raise ApiError.from_domain(422, error) from None
    await record_write(request, holder, "api.alert.draft", alert_id)
    response = await _detail(request, alert_id, status=201)
    response.headers["Location"] = f"{request.path}/{alert_id}"
    return response


async def get_alert(request: web.Request) -> web.StreamResponse:
    await authorize(request, "alerts:read")
    return await _detail(request, (await _existing(request)).id)


async def set_content(request: web.Request) -> web.StreamResponse:
    """Replace a language's texts; a recording staff made for it is kept."""
    holder = await authorize(request, "alerts:write")
    alert = await _existing(request)
    language = request.match_info["language"]
    fields = await read_json(request, "ContentInput")
    pool = request.config_dict[POOL]
    earlier = (await alerts.get_contents(pool, alert.id)).get(cast(Language, language))
    recording = earlier.voice_recording if earlier else None
    async with pool.acquire() as conn:
        try:
            await alerts.set_content(conn, alert.id, _content(language, fields, recording))
        except DomainError as error:
            # No longer a draft: the state refuses; a draft: the content is refused.
            raise ApiError.from_domain(409 if alert.state != "draft" else 422, error) from None
    await record_write(request, holder, "api.alert.content", alert.id, language=language)
    return await _detail(request, alert.id)


async def audience(request: web.Request) -> web.StreamResponse:
    await authorize(request, "alerts:read")
    alert_id = (await _existing(request)).id
    channels = request.config_dict[SETTINGS].channels
    # limit=1: the names of people not reached are personal data; only their total is given.
    seen = await preview(request.config_dict[POOL], alert_id, limit=1, in_service=channels)
    counts = [{**asdict(c), "in_service": c.channel in channels} for c in seen.counts]
    return _json(
        {
            "alert_id": alert_id,
            "total": seen.total(),
            "in_service": list(channels),
            "counts": counts,
            "unreachable": seen.unreachable_total,
        }
    )


async def approve(request: web.Request) -> web.StreamResponse:
    holder = await authorize(request, "alerts:send")
    alert_id = (await _existing(request)).id
    await read_json(request, "NoFields", required=False)
    rule = two_person_rule(request.config_dict[SETTINGS].two_person_rule)
    async with request.config_dict[POOL].acquire() as conn:
        try:
            approval = await alerts.approve(conn, alert_id, holder.staff_id, rule=rule)
        except DomainError as error:
            raise ApiError.from_domain(409, error) from None
    await record_write(
        request, holder, "api.alert.approve", alert_id, self_approved=approval.self_approved
    )
    return _json({"alert_id": alert_id, "state": "approved", **asdict(approval)})


async def launch(request: web.Request) -> web.StreamResponse:
    """Launch now, or at ``at``: the alert is sending at once, its deliveries due then."""
    holder = await authorize(request, "alerts:send")
    alert = await _existing(request)
    alert_id = alert.id
    at = (await read_json(request, "LaunchInput", required=False)).get("at")
    when = None if at is None else datetime.fromisoformat(at)
    pool = request.config_dict[POOL]
    try:
        # Refused before the audio is made: an alert already sending keeps its audio.
        check_transition(alert.state, "sending")
        launched = await launch_alert(
            pool, request.config_dict[SETTINGS], alert_id, holder.staff_id, when
        )
    except DomainError as error:
        raise ApiError.from_domain(409, error) from None
    except AudioError as error:
        # The cause may name server paths: it goes to the log, not to the client.
        log.warning("alert audio failed", extra={"alert_id": alert_id, "error": str(error)})
        raise ApiError(
            409,
            "Le message téléphonique n'a pas pu être préparé (voir le journal du serveur).",
            "The phone message could not be made (see the server's log).",
        ) from None
    await record_write(
        request, holder, "api.alert.launch", alert_id, deliveries=launched.created, at=at
    )
    state = (await alerts.get_alert(pool, alert_id)).state
    unavailable = {channel: launched.unavailable.get(channel, 0) for channel in CHANNELS}
    return _json(
        {
            "alert_id": alert_id,
            "state": state,
            "deliveries": launched.created,
            "channel_unavailable": unavailable,
        }
    )


async def cancel(request: web.Request) -> web.StreamResponse:
    holder = await authorize(request, "alerts:send")
    alert_id = (await _existing(request)).id
    await read_json(request, "NoFields", required=False)
    try:
        stopped = await cancel_alert(request.config_dict[POOL], alert_id, holder.staff_id)
    except DomainError as error:
        raise ApiError.from_domain(409, error) from None
    await record_write(request, holder, "api.alert.cancel", alert_id, deliveries=stopped)
    return _json({"alert_id": alert_id, "state": "cancelled", "deliveries_cancelled": stopped})


async def attempts(request: web.Request) -> web.StreamResponse:
    await authorize(request, "alerts:read")
    alert_id = (await _existing(request)).id
    details = await alerts.get_attempt_details(request.config_dict[POOL], alert_id)
    return _json({"alert_id": alert_id, "attempts": [asdict(d) for d in details]})


def _limit(request: web.Request) -> int:
    unknown = sorted(set(request.query) - {"limit"})
    if unknown:
        name = shown(unknown[0])
        raise ApiError(
            400, f"Paramètre inconnu : « {name} ».", f"Unknown query parameter: '{name}'."
        )
    raw = request.query.get("limit", str(DEFAULT_LIST))
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_LIST):
        raise ApiError(
            400,
            f"Le paramètre « limit » doit être un entier de 1 à {MAX_LIST}.",
            f"The parameter 'limit' must be an integer from 1 to {MAX_LIST}.",
        )
    return int(raw)


async def _existing(request: web.Request) -> alerts.Alert:
    """The path's alert, or a 404."""
    alert_id = int(request.match_info["alert_id"])
    if alert_id > MAX_ID:
        raise _no_such_alert()
    try:
        return await alerts.get_alert(request.config_dict[POOL], alert_id)
    except DomainError:
        raise _no_such_alert() from None


def _no_such_alert() -> ApiError:
    return ApiError(404, "Alerte introuvable.", "No such alert.")


def _content(language: str, fields: dict[str, Any], recording: str | None) -> Content:
    texts = {name: fields.get(name) for name in CONTENT_FIELDS}
    return Content(cast(Language, language), voice_recording=recording, **texts)


async def _detail(request: web.Request, alert_id: int, status: int = 200) -> web.Response:
    pool = request.config_dict[POOL]
    alert = await alerts.get_alert(pool, alert_id)
    contents = await alerts.get_contents(pool, alert_id)
    progress = await alerts.get_progress(pool, alert_id)
    body = {
        **asdict(alert),
        "sector_codes": list(alert.sector_codes),
        "contents": {
            language: {k: v for k, v in asdict(content).items() if k != "language"}
            for language, content in contents.items()
        },
        "progress": [asdict(row) for row in progress],
    }
    return _json(body, status)


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_encode, ensure_ascii=False)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
