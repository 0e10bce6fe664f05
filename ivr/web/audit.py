"""Record staff actions, and staff reads of personal data, in ``audit_log``.

Actions are dotted names (``login.succeeded``, ``staff.created``). Reads of personal
data use the action ``personal_data.read`` with the subject read and the fields
shown, so a resident can later be told who saw what (Law 25, OCAP). Details must
not hold secrets (passwords, tokens).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from aiohttp import web

from ivr.storage.queries import QUERIES
from ivr.web.keys import POOL, SESSION


async def record(
    pool: asyncpg.Pool,
    *,
    staff_id: int | None,
    action: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
    client_address: str = "",
) -> None:
    await pool.execute(
        QUERIES["audit.record"],
        staff_id,
        action,
        subject,
        json.dumps(details or {}),
        client_address,
    )


def client_address(request: web.Request) -> str:
    return request.remote or ""


async def record_action(
    request: web.Request, action: str, subject: str = "", **details: Any
) -> None:
    """An action by the signed-in staff member of this request."""
    session = request.get(SESSION)
    staff_id = session.staff.id if session and session.staff else None
    await record(
        request.config_dict[POOL],
        staff_id=staff_id,
        action=action,
        subject=subject,
        details=details,
        client_address=client_address(request),
    )


async def record_read(request: web.Request, subject: str, fields: list[str]) -> None:
    """The signed-in staff member was shown these fields of personal data of ``subject``."""
    await record_action(request, "personal_data.read", subject, fields=fields)
