"""Record staff actions, and staff reads of personal data, in ``audit_log``.

Actions are dotted names (``login.succeeded``, ``staff.created``). Reads of personal
data use the action ``personal_data.read`` with the subject read and the fields
shown, so a resident can later be told who saw what (Law 25, OCAP). Details must
not hold secrets (passwords, tokens).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ivr.storage import audit
from ivr.web.admin.keys import SESSION
from ivr.web.client import client_address
from ivr.web.keys import POOL


async def record_action(
    request: web.Request, action: str, subject: str = "", **details: Any
) -> None:
    """An action by the signed-in staff member of this request."""
    session = request.get(SESSION)
    staff_id = session.staff.id if session and session.staff else None
    await audit.record(
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
