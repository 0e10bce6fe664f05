"""Test calls: an exercise alert to one number typed by staff."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.storage import audit
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class TestCallState:
    state: str
    outcomes: list[str]
    """Each attempt's outcome so far, in order (attempts still going are left out)."""


async def create(
    conn: Connection, staff_id: int, contact_id: int, language: str, text: str
) -> tuple[int, int]:
    """The approved test alert, its content and its one delivery, audited; returns
    (alert id, delivery id). Not sending until ``start``."""
    async with conn.transaction():
        alert_id: int = await conn.fetchval(QUERIES["test_call.create_alert"], staff_id)
        await conn.execute(QUERIES["test_call.add_content"], alert_id, language, text)
        delivery_id: int = await conn.fetchval(
            QUERIES["test_call.add_delivery"], alert_id, contact_id, language
        )
        await audit.record(
            conn,
            staff_id=staff_id,
            action="alert.test_call",
            subject=f"alert:{alert_id}",
            details={"delivery_id": delivery_id},
        )
    return alert_id, delivery_id


async def start(db: Executor, alert_id: int) -> None:
    """approved → sending, and the engines woken."""
    await db.execute(QUERIES["test_call.start"], alert_id)
    await db.execute(QUERIES["alerts.wake_dispatch"], alert_id)


async def delivery_state(db: Executor, delivery_id: int) -> TestCallState | None:
    row = await db.fetchrow(QUERIES["test_call.delivery_state"], delivery_id)
    if row is None:
        return None
    return TestCallState(row["state"], [o for o in row["outcomes"] if o])
