"""The OpenAPI 3.1 description of the JSON API, as data, served at ``/api/v1/openapi.json``.

Its request schemas are also what ivr.web.api.body checks bodies against, so what the
document promises and what the server accepts cannot drift apart; a test checks that
every route is described and every description routed.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ivr.domain.alerts import CATEGORIES, CHANNELS, MAX_TEXT, TRANSITIONS, URGENCIES
from ivr.domain.api_scopes import SCOPE_ROLES
from ivr.web.api.errors import CODES

MAX_ID = 2**63 - 1
MAX_TITLE = 200
MAX_SECTORS = 200
MAX_LIST = 100
DEFAULT_LIST = 20

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: list[str], **properties: Schema) -> Schema:
    """A closed object: a field not listed is refused (requests) or never sent."""
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _all_required(**properties: Schema) -> Schema:
    return _object(list(properties), **properties)


def _nullable(kind: str, **rules: Any) -> Schema:
    return {"type": [kind, "null"], **rules}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
TIME: Schema = {"type": "string", "format": "date-time"}
TIME_OR_NULL: Schema = _nullable("string", format="date-time")
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
STATE: Schema = {"type": "string", "enum": list(TRANSITIONS)}
TEXT_OR_NULL: Schema = _nullable("string", minLength=1, maxLength=MAX_TEXT)

CONTENT_FIELDS = ("sms_text", "email_subject", "email_body", "voice_text")

SCHEMAS: dict[str, Schema] = {
    "Error": _all_required(
        error=_all_required(
            code={"type": "string", "enum": list(CODES.values())},
            message_fr=STRING,
            message_en=STRING,
        )
    ),
    "ContentInput": {
        **_object([], **dict.fromkeys(CONTENT_FIELDS, TEXT_OR_NULL)),
        "description": "What the alert says in one language; a field left out is empty. "
        "The voice is spoken from voice_text unless staff recorded it (kept as is).",
    },
    "NewAlert": _object(
        ["title", "category", "urgency"],
        title={"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
        category={"type": "string", "enum": list(CATEGORIES)},
        urgency={"type": "string", "enum": list(URGENCIES)},
        sector_codes={
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 63},
            "maxItems": MAX_SECTORS,
            "description": "Sectors reached (their sub-sectors too); or target_all.",
        },
        target_all=BOOLEAN,
        follow_up_of={**ID, "description": "A launched alert whose audience is reused."},
        scheduled_at={
            **TIME_OR_NULL,
            "description": "Deliveries of the launched alert wait until then.",
        },
        contents=_object([], fr=_ref("ContentInput"), en=_ref("ContentInput")),
    ),
    "NoFields": {**_object([]), "description": "An empty object, or no body at all."},
    "LaunchInput": {
        **_object(
            [],
            at={**TIME, "description": "Deliveries wait until then (they start at once if past)."},
        ),
        "description": "An empty object or no body: launched now.",
    },
    "Content": _all_required(
        sms_text=_nullable("string"),
        email_subject=_nullable("string"),
        email_body=_nullable("string"),
        voice_recording=_nullable("string"),
        voice_text=_nullable("string"),
    ),
    "Alert": _all_required(
        id=ID,
        title=STRING,
        category={"type": "string", "enum": list(CATEGORIES)},
        urgency={"type": "string", "enum": list(URGENCIES)},
        state=STATE,
        target_all=BOOLEAN,
        sector_codes={"type": "array", "items": STRING},
        follow_up_of=_nullable("integer"),
        scheduled_at=TIME_OR_NULL,
        drafted_by=INTEGER,
        approved_by=_nullable("integer"),
        contents=_object([], fr=_ref("Content"), en=_ref("Content"), innu=_ref("Content")),
        progress={"type": "array", "items": _ref("Progress")},
    ),
    "Progress": {
        **_all_required(
            channel=STRING, state=STRING, outcome=STRING, deliveries=INTEGER, attempts=INTEGER
        ),
        "description": "Deliveries of one channel in one state with the same last outcome.",
    },
    "DeliveryCounts": _all_required(
        pending=INTEGER,
        in_progress=INTEGER,
        done=INTEGER,
        failed=INTEGER,
        cancelled=INTEGER,
        total=INTEGER,
    ),
    "AlertSummary": _all_required(
        id=ID,
        title=STRING,
        category=STRING,
        urgency=STRING,
        state=STATE,
        target_all=BOOLEAN,
        created_at=TIME,
        scheduled_at=TIME_OR_NULL,
        approved_at=TIME_OR_NULL,
        launched_at=TIME_OR_NULL,
        completed_at=TIME_OR_NULL,
        cancelled_at=TIME_OR_NULL,
        deliveries=_ref("DeliveryCounts"),
    ),
    "AlertList": _all_required(alerts={"type": "array", "items": _ref("AlertSummary")}),
    "Audience": {
        **_all_required(
            alert_id=ID,
            total=INTEGER,
            in_service={"type": "array", "items": STRING},
            counts={
                "type": "array",
                "items": _all_required(
                    sector_code=_nullable("string"),
                    name_fr=_nullable("string"),
                    name_en=_nullable("string"),
                    channel=STRING,
                    deliveries=INTEGER,
                    in_service=BOOLEAN,
                ),
            },
            unreachable=INTEGER,
        ),
        "description": "What launching now would send, per sector and channel; unreachable "
        "counts the people concerned with no usable contact. Counts only.",
    },
    "Approval": _all_required(alert_id=ID, state=STATE, self_approved=BOOLEAN),
    "Launch": _all_required(
        alert_id=ID,
        state=STATE,
        deliveries=INTEGER,
        channel_unavailable=_all_required(**dict.fromkeys(CHANNELS, INTEGER)),
    ),
    "Cancellation": _all_required(alert_id=ID, state=STATE, deliveries_cancelled=INTEGER),
    "Attempt": {
        **_all_required(
            delivery_id=INTEGER,
            attempt_number=INTEGER,
            channel=STRING,
            outcome=STRING,
            amd_status=_nullable("string"),
            amd_cause=_nullable("string"),
            greeting_end=_nullable("string"),
            greeting_wait_seconds=_nullable("number"),
            silence_before_message=_nullable("number"),
            beep_during_playback=_nullable("boolean"),
            answer_to_audio_seconds=_nullable("number"),
            amd_seconds=_nullable("number"),
            keys_pressed=STRING,
            hangup_cause=_nullable("integer"),
            sms_parts=_nullable("integer"),
            sms_throttled=_nullable("integer"),
            sms_resubmitted=_nullable("integer"),
            sms_receipts=_nullable("string"),
            relay_answer=_nullable("string"),
        ),
        "description": "How one attempt went; no number, name or address.",
    },
    "Attempts": _all_required(alert_id=ID, attempts={"type": "array", "items": _ref("Attempt")}),
    "Sector": _all_required(
        code=STRING,
        community=STRING,
        name_fr=STRING,
        name_en=STRING,
        parent_code=_nullable("string"),
    ),
    "SectorList": _all_required(sectors={"type": "array", "items": _ref("Sector")}),
}

_ERRORS = {
    400: "Malformed request: not JSON, not an object, unknown field, wrong type, too large",
    401: "Missing, unknown or revoked token",
    403: "The token lacks the scope, or its staff member's role forbids the action",
    404: "No such alert",
    409: "The alert's state or the two-person rule refuses the action",
    422: "The values are refused (unknown sector, empty title, content rules...)",
}


def _json(schema: Schema) -> Schema:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    scope: str,
    answer: tuple[int, str],
    errors: tuple[int, ...],
    *,
    body: tuple[str, bool] | None = None,
    parameters: tuple[Schema, ...] = (),
) -> Schema:
    """One operation; ``body`` is (schema name, required), ``answer`` (status, schema)."""
    status, schema = answer
    operation: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"bearer": [scope]}],
    }
    errors = (401, 403, *errors)
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        name, required = body
        operation["requestBody"] = {"required": required, **_json(_ref(name))}
        errors = (400, *errors)
    operation["responses"] = {
        str(status): {"description": "Success", **_json(_ref(schema))},
        **{str(e): {"$ref": f"#/components/responses/{CODES[e]}"} for e in sorted(errors)},
    }
    return operation


ALERT_ID: Schema = {"name": "alert_id", "in": "path", "required": True, "schema": ID}
LANGUAGE: Schema = {
    "name": "language",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["fr", "en"]},
    "description": "Innu-aimun is sent as a recording only, made by staff.",
}
LIMIT: Schema = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIST, "default": DEFAULT_LIST},
}
_SEND = (404, 409)

DOCUMENT: Schema = {
    "openapi": "3.1.0",
    "info": {
        "title": "Information ITUM",
        "version": "1",
        "summary": "Draft, approve, launch and follow emergency alerts (docs/api.md).",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/alerts": {
            "get": _operation(
                "listAlerts",
                "The latest alerts, newest first, with deliveries per state",
                "alerts:read",
                (200, "AlertList"),
                (400,),
                parameters=(LIMIT,),
            ),
            "post": _operation(
                "createAlert",
                "Draft an alert, with its contents",
                "alerts:write",
                (201, "Alert"),
                (422,),
                body=("NewAlert", True),
            ),
        },
        "/alerts/{alert_id}": {
            "get": _operation(
                "getAlert",
                "An alert, its contents and its progress per channel and outcome",
                "alerts:read",
                (200, "Alert"),
                (404,),
                parameters=(ALERT_ID,),
            ),
        },
        "/alerts/{alert_id}/contents/{language}": {
            "put": _operation(
                "setAlertContent",
                "Replace one language's content of a draft",
                "alerts:write",
                (200, "Alert"),
                (404, 409, 422),
                body=("ContentInput", True),
                parameters=(ALERT_ID, LANGUAGE),
            ),
        },
        "/alerts/{alert_id}/audience": {
            "get": _operation(
                "previewAudience",
                "What launching the alert now would send (counts only)",
                "alerts:read",
                (200, "Audience"),
                (404,),
                parameters=(ALERT_ID,),
            ),
        },
        "/alerts/{alert_id}/approve": {
            "post": _operation(
                "approveAlert",
                "Approve a draft, under the two-person rule",
                "alerts:send",
                (200, "Approval"),
                _SEND,
                body=("NoFields", False),
                parameters=(ALERT_ID,),
            ),
        },
        "/alerts/{alert_id}/launch": {
            "post": _operation(
                "launchAlert",
                "Launch an approved alert, now or at a time: make its audio, resolve its audience",
                "alerts:send",
                (200, "Launch"),
                _SEND,
                body=("LaunchInput", False),
                parameters=(ALERT_ID,),
            ),
        },
        "/alerts/{alert_id}/cancel": {
            "post": _operation(
                "cancelAlert",
                "Cancel an alert: its pending deliveries stop at once",
                "alerts:send",
                (200, "Cancellation"),
                _SEND,
                body=("NoFields", False),
                parameters=(ALERT_ID,),
            ),
        },
        "/alerts/{alert_id}/attempts": {
            "get": _operation(
                "listAttempts",
                "Every attempt of an alert and how it went (no personal data)",
                "alerts:read",
                (200, "Attempts"),
                (404,),
                parameters=(ALERT_ID,),
            ),
        },
        "/sectors": {
            "get": _operation(
                "listSectors",
                "The sectors alerts can target",
                "sectors:read",
                (200, "SectorList"),
                (),
            ),
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document (no token needed)",
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", **_json({"type": "object"})},
                },
            },
        },
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `ivr create-api-token`; scopes: "
                + "; ".join(
                    f"{scope} ({', '.join(sorted(roles))})" for scope, roles in SCOPE_ROLES.items()
                )
                + ". The staff member's role must allow the scope too.",
            }
        },
        "schemas": SCHEMAS,
        "responses": {
            CODES[status]: {"description": text, **_json(_ref("Error"))}
            for status, text in _ERRORS.items()
        },
    },
}


async def openapi_document(request: web.Request) -> web.StreamResponse:
    return web.json_response(DOCUMENT)
