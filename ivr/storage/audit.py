"""The audit log: staff actions and staff reads of personal data."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


async def record(
    db: Executor,
    *,
    staff_id: int | None,
    action: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
    client_address: str = "",
) -> None:
    await db.execute(
        QUERIES["audit.record"],
        staff_id,
        action,
        subject,
        json.dumps(details or {}),
        client_address,
    )


async def recent(db: Executor, limit: int, staff_id: int | None = None) -> list[asyncpg.Record]:
    """The latest entries, newest first (only ``staff_id``'s when given)."""
    if staff_id is None:
        return await db.fetch(QUERIES["audit.recent"], limit)
    return await db.fetch(QUERIES["audit.recent_for_staff"], staff_id, limit)
